"""Every environment variable the code reads is in .env.example and the README."""

from __future__ import annotations

import re

from django.conf import settings

ROOT = settings.BASE_DIR
READS = [
    re.compile(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"'),
    re.compile(r'os\.environ\[\s*"([A-Z0-9_]+)"\s*\]'),
    re.compile(r'os\.getenv\(\s*"([A-Z0-9_]+)"'),
    re.compile(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"'),  # settings' env_bool, env_list
]
MAKE_VARIABLE = re.compile(r"^([A-Z0-9_]+)\s*\?=", re.MULTILINE)
# Read but not configuration: set by Django's autoreloader in its child process.
INTERNAL = {"RUN_MAIN"}


def variables_read() -> set[str]:
    names: set[str] = set()
    for folder in ["customer_flow", "customers", "tickets", "bench", "tests"]:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in READS:
                names.update(pattern.findall(text))
    names.update(MAKE_VARIABLE.findall((ROOT / "Makefile").read_text()))
    return names - INTERNAL


def test_the_scan_finds_the_variables_of_settings_gunicorn_and_make():
    assert {"DATABASE_URL", "DEBUG", "BIND", "TEST_SQLITE_NAME", "PYTHON"} <= (
        variables_read()
    )


def test_every_variable_read_is_in_env_example_and_the_readme():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, re.MULTILINE))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z0-9_]+)`", readme))
    read = variables_read()
    assert read - listed == set(), "missing from .env.example"
    assert read - documented == set(), "missing from the README"
