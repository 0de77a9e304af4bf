"""Every command the README and docs/ show is a real command with real options."""

from __future__ import annotations

import re
import shlex

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

DOCS = [
    settings.BASE_DIR / "README.md",
    *sorted((settings.BASE_DIR / "docs").glob("*.md")),
]


def _shell_lines() -> list[tuple[str, str]]:
    lines = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```sh\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("  #")[0].strip()
                if line:
                    lines.append((path.name, line))
    return lines


LINES = _shell_lines()
MANAGE = [(doc, line) for doc, line in LINES if "manage.py " in line]
MAKE = [(doc, line) for doc, line in LINES if re.search(r"(^|\s)make \w", line)]


def test_the_docs_show_commands():
    assert len(MANAGE) >= 10 and len(MAKE) >= 2


@pytest.mark.parametrize(("doc", "line"), MANAGE, ids=[line for _, line in MANAGE])
def test_each_manage_py_line_is_a_command_with_options_it_accepts(doc, line):
    # "[--force]" in a usage line is an optional option: check it as given.
    command = line.split("manage.py ", 1)[1].replace("$(date +%F)", "d")
    words = shlex.split(command.replace("[", "").replace("]", ""))
    name, args = words[0], [w for w in words[1:] if w not in {"-", ">"}]
    args = args[: args.index(">")] if ">" in args else args
    commands = get_commands()
    assert name in commands, f"{doc}: no command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    parser.parse_args(args)  # exits (fails the test) on an unknown option


@pytest.mark.parametrize(("doc", "line"), MAKE, ids=[line for _, line in MAKE])
def test_each_make_line_names_a_makefile_target(doc, line):
    targets = set(
        re.findall(r"^([\w-]+):", (settings.BASE_DIR / "Makefile").read_text(), re.M)
    )
    target = re.search(r"make (\w[\w-]*)", line)[1]
    assert target in targets, f"{doc}: make {target}"
