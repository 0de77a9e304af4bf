"""customer_flow/lib/command_files.py: a PATH or - for the standard streams."""

from __future__ import annotations

import io

import pytest
from django.core.management import BaseCommand, CommandError

from customer_flow.lib.command_files import open_input, open_output, to_stdout


def test_open_input_reads_the_files_bytes(tmp_path):
    path = tmp_path / "id.csv"
    path.write_bytes(b"ID,Name\n")
    with open_input(str(path)) as file:
        assert file.read() == b"ID,Name\n"


def test_open_input_says_which_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        with open_input(str(tmp_path / "missing.csv")):
            pass


def test_open_output_writes_utf8_to_a_path(tmp_path):
    path = tmp_path / "out.csv"
    with open_output(BaseCommand(), str(path)) as file:
        file.write("Zoë\n")
    assert path.read_bytes() == "Zoë\n".encode()


def test_open_output_writes_to_the_commands_standard_output():
    out = io.StringIO()
    command = BaseCommand(stdout=out)
    assert to_stdout("-") and to_stdout(None) and not to_stdout("out.csv")
    with open_output(command, "-") as file:
        file.write("ID\n")
    assert out.getvalue() == "ID\n"


def test_binary_output_to_an_in_memory_stream_asks_for_a_file_name():
    with pytest.raises(CommandError, match="Give a file name"):
        with open_output(BaseCommand(stdout=io.StringIO()), None, binary=True):
            pass
