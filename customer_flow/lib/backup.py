"""Consistent copies of the SQLite database, taken while the app keeps writing."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils.translation import ngettext


class BackupError(Exception):
    """The backup could not be taken; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    tables: int

    def summary(self) -> str:
        tables = ngettext("%(count)d table", "%(count)d tables", self.tables) % {
            "count": self.tables
        }
        return (
            f"Backed up the database to {self.path} "
            f"({self.size_bytes / 1_000_000:.1f} MB, {tables})."
        )


def backup_sqlite(target: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the live SQLite database to ``target`` with SQLite's online-backup API.

    The copy is one transactionally consistent snapshot even while other processes
    write (WAL readers never block the writer), is checked with ``integrity_check``,
    and is written to a temporary file first so ``target`` never holds half a copy.
    """
    if connection.vendor != "sqlite":
        raise BackupError(
            "The database is PostgreSQL: back it up with pg_dump, e.g. "
            "`pg_dump --format=custom --file=customer_flow.dump DBNAME`, "
            "and restore with pg_restore."
        )
    target = Path(target).resolve()
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose a new name or use --force.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    connection.ensure_connection()
    fd, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=".backup-", suffix=".tmp"
    )
    os.close(fd)
    try:
        copy = sqlite3.connect(temp_name)
        try:
            connection.connection.backup(copy)
            # A self-contained single file: no -wal/-shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The copy failed its integrity check; try again.")
            tables = copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            copy.close()
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return BackupReport(path=target, size_bytes=target.stat().st_size, tables=tables)
