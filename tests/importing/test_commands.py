"""The import commands: import_customers, import_batches, revert_import and
import_ticket_types (in this process, and as processes of their own)."""

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


@pytest.fixture
def id_csv(tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n2,Bob,bob@example.com,\n")
    return path


def test_importing_the_same_file_again_is_refused_unless_forced(db, id_csv):
    call("import_customers", str(id_csv))
    first = ImportBatch.objects.get()
    Customer.objects.filter(pk=2).delete()

    with pytest.raises(CommandError) as refused:
        call("import_customers", str(id_csv))
    assert str(refused.value) == (
        f"Already imported as batch #{first.pk}; nothing was written. Use --force "
        "to import it again."
    )
    assert not Customer.objects.filter(pk=2).exists()
    assert ImportBatch.objects.count() == 1

    out, err = call("import_customers", str(id_csv), force=True)
    assert f"Warning: This file was already imported as batch #{first.pk}" in err
    assert out.splitlines()[-1] == "1 created, 0 updated, 1 unchanged, 0 invalid"
    assert Customer.objects.filter(pk=2).exists()


def test_a_dry_run_of_a_file_imported_before_only_warns(db, id_csv):
    call("import_customers", str(id_csv))
    out, err = call("import_customers", str(id_csv), dry_run=True)
    assert "already imported as batch #" in err
    assert out.strip() == "would be 0 created, 0 updated, 2 unchanged, 0 invalid"


def test_import_batches_lists_id_when_who_file_counts_and_status(
    db, id_csv, admin_user
):
    call("import_customers", str(id_csv))
    (id_csv.parent / "more.csv").write_text(HEADER + "3,Cy,cy@example.com,\n")
    call("import_customers", str(id_csv.parent / "more.csv"))
    ImportBatch.objects.filter(file_name__endswith="more.csv").update(
        created_by=admin_user
    )

    out, _ = call("import_batches")
    lines = out.splitlines()
    assert len(lines) == 2
    newest, oldest = lines
    first, second = ImportBatch.objects.order_by("id").values_list("id", flat=True)
    assert newest.startswith(f"#{second}  ") and oldest.startswith(f"#{first}  ")
    assert "  admin  " in newest and "  more.csv  " in newest
    assert str(id_csv.parent) not in out
    assert newest.endswith("1 created, 0 updated, 0 unchanged, 0 invalid  applied")
    assert oldest.endswith("2 created, 0 updated, 0 unchanged, 0 invalid  applied")

    out, _ = call("import_batches", limit=1)
    assert out.splitlines() == [newest]


def test_import_batches_says_when_there_are_none(db):
    out, err = call("import_batches")
    assert out == "" and err.strip() == "No import batches yet."


def test_revert_import_undoes_a_batch(db, id_csv):
    call("import_customers", str(id_csv))
    batch = ImportBatch.objects.get()
    out, _ = call("revert_import", str(batch.pk))
    assert out.strip() == (
        f"Import #{batch.pk} reverted: 2 created customers removed, 0 archived (they "
        "have tickets), 0 restored to their previous values."
    )
    assert not Customer.objects.exists()
    assert call("import_batches")[0].endswith("reverted\n")


def test_revert_import_refuses_a_customer_changed_since_in_one_line(
    make_customer, id_csv
):
    make_customer(id=1, name="Ada", email="ada@example.com")
    (id_csv.parent / "x.csv").write_text(HEADER + "1,Ada King,ada@example.com,\n")
    call("import_customers", str(id_csv.parent / "x.csv"))
    batch = ImportBatch.objects.get()
    ada = Customer.objects.get(pk=1)
    ada.name = "Augusta Ada King"
    ada.save()

    with pytest.raises(CommandError) as refused:
        call("revert_import", str(batch.pk))
    message = str(refused.value)
    assert "\n" not in message
    assert message == (
        f"Import #{batch.pk} was not reverted: 1 customer was changed after it: "
        "#1 Augusta Ada King. Nothing was changed. Use --force to overwrite their "
        "later changes."
    )
    assert Customer.objects.get(pk=1).name == "Augusta Ada King"

    out, err = call("revert_import", str(batch.pk), force=True)
    assert "Overwrote later changes of customer #1 Augusta Ada King." in err
    assert Customer.objects.get(pk=1).name == "Ada"


def test_revert_import_refuses_twice_and_unknown_batches(db, id_csv):
    call("import_customers", str(id_csv))
    number = str(ImportBatch.objects.get().pk)
    call("revert_import", number)
    with pytest.raises(CommandError, match="already reverted"):
        call("revert_import", number)
    with pytest.raises(CommandError, match="There is no import batch #0."):
        call("revert_import", "0")


def test_import_command_prints_the_summary_last(db, tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n")
    out, err = call("import_customers", str(path))
    assert out.splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 0 invalid"
    assert err == ""
    assert ImportBatch.objects.get().file_name == "id.csv"


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


def test_a_report_path_that_cannot_be_written_is_a_message_not_a_traceback(
    db, id_csv, tmp_path
):
    report = tmp_path / "missing" / "rejected.csv"
    with pytest.raises(CommandError, match=f"Cannot write {report}: No such file"):
        call("import_customers", str(id_csv), "--dry-run", "--report", str(report))
    assert not Customer.objects.exists()


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


def test_commands_record_the_user_named_by_user(db, id_csv, admin_user):
    call("import_customers", str(id_csv), user="admin")
    batch = ImportBatch.objects.get()
    assert (batch.created_by, batch.applied_by) == (admin_user, admin_user)
    assert batch.file_name == "id.csv"
    history = Customer.history.filter(id=1).get()
    assert history.history_user == admin_user
    assert history.history_change_reason == f"Import #{batch.pk}: id.csv"

    call("revert_import", str(batch.pk), user="admin")
    batch.refresh_from_db()
    assert batch.reverted_by == admin_user

    path = id_csv.parent / "t.json"
    path.write_text('{"1": "A"}')
    call("import_ticket_types", str(path), user="admin")
    assert TicketType.history.get().history_user == admin_user


@pytest.mark.parametrize("command", ["import_customers", "import_ticket_types"])
def test_commands_refuse_a_user_that_does_not_exist_and_write_nothing(
    db, id_csv, command
):
    with pytest.raises(CommandError) as refused:
        call(command, str(id_csv), user="nobody")
    assert str(refused.value) == (
        'There is no active user "nobody": give the username of a user of this '
        "site (manage.py createsuperuser makes one), or leave --user out to record "
        "no user."
    )
    assert not Customer.objects.exists() and not ImportBatch.objects.exists()
    assert not TicketType.objects.exists()


def test_commands_without_user_record_no_user(db, id_csv):
    call("import_customers", str(id_csv))
    batch = ImportBatch.objects.get()
    assert batch.created_by is None
    assert Customer.history.filter(id=1).get().history_user is None


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


def test_the_progress_bar_moves_through_every_phase_to_the_end(db, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    rows = [f"{i},Customer {i},c{i}@example.com,\n" for i in range(1, 6001)]
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "".join(rows))
    terminal = Terminal()
    call_command("import_customers", str(path), stdout=io.StringIO(), stderr=terminal)

    bars = terminal.getvalue()
    phases = ["reading", "validating", "matching", "recording", "staging", "writing"]
    starts = [bars.index(f"{phase}:") for phase in phases]
    assert starts == sorted(starts)  # in this order
    for phase in phases[1:]:
        assert f"{phase}: 100%" in bars and "6000/6000" in bars
    assert "reading: 100%" in bars
    assert Customer.objects.count() == 6000
