"""A process killed in the middle of an import leaves the database as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from customers.models import Customer, DuplicateGroup, ImportBatch
from tests.databases import database_url

ROWS = 200_000


def _importer_is_writing() -> bool:
    """True while another process holds the write lock on the customers table."""
    if connection.vendor == "sqlite":
        probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": a writer is in
            return True
        finally:
            probe.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE relation = 'customers_customer'::regclass"
            " AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone() is not None


def _snapshot() -> tuple:
    """Customers, their history, and the batches that were applied or undone."""
    return (
        list(
            Customer.objects.order_by("id").values_list("id", "name", "email", "phone")
        ),
        Customer.history.count(),
        list(
            ImportBatch.objects.exclude(
                status__in=[ImportBatch.Status.RECORDING, ImportBatch.Status.PREVIEWED]
            )
            .order_by("pk")
            .values_list("pk", "status")
        ),
    )


def _in_phase(phase: str) -> bool:
    statuses = set(ImportBatch.objects.values_list("status", flat=True))
    if phase == "recording its rows":
        return ImportBatch.Status.RECORDING in statuses
    # The batch is recorded; the one write transaction over customers has begun.
    return ImportBatch.Status.PREVIEWED in statuses and _importer_is_writing()


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["recording its rows", "writing customers"])
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_while_it_writes_leaves_the_database_as_it_was(
    tmp_path, make_customer, phase
):
    make_customer(id=1, name="Kept", email="kept@example.com", phone="0123 456789")
    rows = "".join(
        f"{i},Person {i},p{i}@example.com,555-{i:07d}\n" for i in range(1, ROWS + 1)
    )
    path = tmp_path / "id.csv"
    path.write_text("ID,Name,Email,Phone\n" + rows)
    before = _snapshot()

    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_customers", str(path), "-v0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _in_phase(phase):
        assert process.poll() is None, "the import finished before it was caught"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    assert _snapshot() == before
    # What the killed process may leave: a record of the attempt, never applied
    # (previewed: complete, so it may be applied later from the batches page).
    assert set(ImportBatch.objects.values_list("status", flat=True)) <= {
        ImportBatch.Status.RECORDING,
        ImportBatch.Status.PREVIEWED,
    }
    # What the killed process may leave: a record of the attempt, never applied
    # (previewed: complete, so it may be applied later from the batches page).
    assert set(ImportBatch.objects.values_list("status", flat=True)) <= {
        ImportBatch.Status.RECORDING,
        ImportBatch.Status.PREVIEWED,
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The import had paused the derived tables' triggers: they work again.
    make_customer(
        id=ROWS + 1, name="Twin", email="twin@example.com", phone="0123-456789"
    )
    assert list(DuplicateGroup.objects.values_list("kind", "value", "size")) == [
        ("phone", "0123456789", 2)
    ]
