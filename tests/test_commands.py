from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command

from customer_flow.lib.command_files import EXIT_BROKEN_PIPE
from customers.models import Customer

HEADER = "ID,Name,Email,Phone\n"


def call(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_export_command_writes_csv_json_xlsx_by_extension(make_customer, tmp_path):
    make_customer(id=1, name="Ada", email="ada@example.com", phone="")
    archived = make_customer(id=2, name="Old", email="old@example.com")
    archived.archive()
    out, _ = call("export_customers", str(tmp_path / "c.csv"))
    assert out == f"Exported 1 customers to {tmp_path / 'c.csv'} as csv.\n"
    assert (tmp_path / "c.csv").read_text() == HEADER + "1,Ada,ada@example.com,\n"
    call("export_customers", str(tmp_path / "c.json"), "--include-archived")
    assert '"Old"' in (tmp_path / "c.json").read_text()
    call("export_customers", str(tmp_path / "c.xlsx"))
    assert (tmp_path / "c.xlsx").read_bytes().startswith(b"PK")


def test_export_command_to_stdout_writes_only_the_data(make_customer):
    make_customer(id=1, name="Ada", email="ada@example.com", phone="")
    out, err = call("export_customers", "-")
    assert out == HEADER + "1,Ada,ada@example.com,\n"
    assert err == "Exported 1 customers to standard output as csv.\n"


def test_progress_bar_only_on_a_terminal_with_verbosity():
    from customer_flow.lib.progress import TerminalProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not TerminalProgress(io.StringIO()).enabled
    assert not TerminalProgress(Terminal(), verbosity=0).enabled
    terminal = Terminal()
    with TerminalProgress(terminal) as progress:
        progress("validating", 300, 300)  # a few rows: no bar
        assert terminal.getvalue() == ""
        progress("staging", 100, 10_000)
        progress("staging", 10_000, 10_000)
    assert "staging" in terminal.getvalue() and "10000/10000" in terminal.getvalue()


def test_export_to_a_closed_pipe_stops_quietly(make_customer):
    # `export_customers | head`: the reader goes away before the data is written.
    make_customer(id=1, name="Ada", email="ada@example.com", phone="")
    read_end, write_end = os.pipe()
    os.close(read_end)
    err = io.StringIO()
    with open(write_end, "w", encoding="utf-8") as pipe:
        with pytest.raises(SystemExit) as stopped:
            call_command("export_customers", "-", stdout=pipe, stderr=err)
    assert stopped.value.code == EXIT_BROKEN_PIPE
    assert err.getvalue() == ""
    assert list(Customer.objects.values_list("id", "name")) == [(1, "Ada")]
