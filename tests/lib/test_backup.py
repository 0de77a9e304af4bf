from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from django.conf import settings

WRITER = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
n = 0
while not os.path.exists(sys.argv[2]):  # until the test says stop
    db.execute("BEGIN IMMEDIATE")
    for _ in range(10):  # ten rows per transaction: a snapshot holds whole tens
        n += 1
        db.execute(
            "INSERT INTO customers_customer (id, name, email, email_key, phone,"
            " created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, '', datetime(), datetime(), 1)",
            (n, f"Writer {n}", f"writer{n}@example.com", f"writer{n}@example.com"),
        )
    db.execute("COMMIT")
    if n == 10:
        print("writing", flush=True)
print(n)
"""


def _manage(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database, "DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_backup_taken_during_writes_is_a_consistent_copy_that_opens(tmp_path):
    live = tmp_path / "live.sqlite3"
    database = f"sqlite:///{live}"
    assert _manage("migrate", "--noinput", database=database).returncode == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(live), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    writer.stdout.readline()  # the writer has committed its first rows
    result = _manage("backup", str(tmp_path / "copy.sqlite3"), database=database)
    _wait_for_more_rows_than(live, tmp_path / "copy.sqlite3")
    stop.touch()
    written = int(writer.communicate(timeout=60)[0])

    assert result.returncode == 0, result.stderr
    assert "Backed up the database to" in result.stdout
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copied = copy.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
    assert 0 < copied < written
    assert copied % 10 == 0, "the copy holds half a transaction"
    assert not list(tmp_path.glob(".backup-*")), "temporary file left behind"


def _wait_for_more_rows_than(live, copy) -> None:
    """Let the writer go on past the copy's snapshot (however loaded the machine),
    so the copy is a snapshot taken during the writes, not after them."""
    if not copy.exists():
        return  # the backup failed: the assertions say why
    with closing(sqlite3.connect(copy)) as db:
        target = db.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(live, timeout=30)) as db:
            rows = db.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
        if rows > target:
            return
        time.sleep(0.05)


def test_backup_refuses_to_overwrite_an_existing_file(tmp_path):
    live = tmp_path / "live.sqlite3"
    sqlite3.connect(live).execute("CREATE TABLE t (x)").connection.commit()
    existing = tmp_path / "copy.sqlite3"
    existing.write_bytes(b"keep me")
    result = _manage("backup", str(existing), database=f"sqlite:///{live}")
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert "Traceback" not in result.stderr
    assert existing.read_bytes() == b"keep me"


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    result = _manage(
        "backup",
        str(tmp_path / "copy"),
        database="postgres://postgres@127.0.0.1:5432/customer_flow",
    )
    assert result.returncode != 0
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "copy").exists()
