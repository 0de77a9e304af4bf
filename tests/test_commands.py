from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from customers.models import Customer, ImportBatch
from tickets.models import TicketType

HEADER = "ID,Name,Email,Phone\n"


def call(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_command_prints_the_summary_last(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n")
    out, err = call("import_customers", str(path))
    assert out.splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 0 invalid"
    assert err == ""
    assert ImportBatch.objects.get().file_name == str(path)


def test_import_command_dry_run_says_would_be(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n")
    out, _ = call("import_customers", str(path), "--dry-run")
    assert (
        out.splitlines()[-1] == "would be 1 created, 0 updated, 0 unchanged, 0 invalid"
    )
    assert not Customer.objects.exists()


def test_import_command_refuses_a_bad_file_with_each_error(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n2,,bad,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="File refused: 1 invalid row; nothing"):
        call_command("import_customers", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        'line 3, column Name: This field is required. ("")',
        "line 3, column Email: Enter a valid email address, like name@example.com. "
        '("bad")',
    ]
    assert not Customer.objects.exists()


def test_import_command_writes_the_rejected_rows_report(db, tmp_path):
    path, report = tmp_path / "id.csv", tmp_path / "rejected.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n2,,b@example.com,\n")
    out, _ = call(
        "import_customers", str(path), "--skip-invalid", "--report", str(report)
    )
    assert out.splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 1 invalid"
    assert report.read_text() == (
        "ID,Name,Email,Phone,line,error\n"
        "2,,b@example.com,,3,Name: This field is required.\n"
    )


def test_import_command_reads_other_encodings_and_delimiters(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_bytes("ID;Name;Email\n1;Zoë;z@x.io\n".encode("cp1252"))
    with pytest.raises(CommandError):
        call("import_customers", str(path), verbosity=0)
    call("import_customers", str(path), "--encoding", "cp1252", "--delimiter", ";")
    assert Customer.objects.get().name == "Zoë"


def test_import_command_help_explains_the_matching_rule(capsys):
    with pytest.raises(SystemExit):
        call_command("import_customers", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "A row with an empty ID creates a customer with the next free ID" in help_text
    )


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


def test_ticket_type_commands_round_trip_the_briefs_file(db, tmp_path):
    fixture = Path(settings.BASE_DIR) / "fixtures/ticket_types.json"
    out, _ = call("import_ticket_types", str(fixture))
    assert out == "3 created, 0 updated, 0 unchanged, 0 invalid\n"
    exported, _ = call("export_ticket_types")
    assert exported == fixture.read_text()
    out, _ = call("import_ticket_types", str(fixture))
    assert out == "0 created, 0 updated, 3 unchanged, 0 invalid\n"


def test_ticket_type_command_deactivates_missing_keys_when_asked(
    make_ticket_type, tmp_path
):
    make_ticket_type(code="7", name="Old")
    path = tmp_path / "t.json"
    path.write_text('{"1": "New"}')
    out, _ = call("import_ticket_types", str(path), "--deactivate-missing")
    assert out == "1 created, 0 updated, 0 unchanged, 0 invalid, 1 deactivated\n"
    assert not TicketType.objects.get(code="7").active


def test_ticket_type_command_refuses_a_bad_file(db, tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"1": "A",\n "1": "B"}')
    with pytest.raises(CommandError, match="File refused"):
        call("import_ticket_types", str(path))
    assert not TicketType.objects.exists()


# The same commands in a real process: exit codes, standard input and output.


def manage(
    *args: str, database: Path, stdin: bytes = b""
) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        cwd=settings.BASE_DIR,
        env=env,
        timeout=120,
    )


@pytest.fixture
def database(tmp_path) -> Path:
    database = tmp_path / "db.sqlite3"
    assert manage("migrate", "-v0", database=database).returncode == 0
    return database


@pytest.mark.slow
def test_commands_as_processes_exit_zero_on_success_and_non_zero_on_refusal(database):
    good = (HEADER + "1,Ada,ada@example.com,'+44 20 7946 0958\n").encode()
    done = manage("import_customers", "-", database=database, stdin=good)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.decode().strip() == "1 created, 0 updated, 0 unchanged, 0 invalid"
    )

    bad = (HEADER + "2,,bad,\n").encode()
    refused = manage("import_customers", "-", database=database, stdin=bad)
    assert refused.returncode == 1
    assert b"Traceback" not in refused.stderr
    assert (
        refused.stderr.decode()
        .splitlines()[-1]
        .startswith("CommandError: File refused")
    )

    missing = manage("import_customers", "/no/such/file.csv", database=database)
    assert missing.returncode == 1
    assert b"Traceback" not in missing.stderr

    exported = manage("export_customers", "-", database=database)
    assert exported.returncode == 0
    assert exported.stdout == good
    assert (
        exported.stderr.decode() == "Exported 1 customers to standard output as csv.\n"
    )

    again = manage("import_customers", "-", database=database, stdin=exported.stdout)
    assert (
        again.stdout.decode().strip() == "0 created, 0 updated, 1 unchanged, 0 invalid"
    )


def test_verbose_import_shows_the_matching_rule(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER)
    out, _ = call("import_customers", str(path), verbosity=2)
    assert out.splitlines()[0].startswith("Rows are matched to customers by ID")
    out, err = call("import_customers", str(path), verbosity=0)
    assert (out, err) == ("", "")


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
