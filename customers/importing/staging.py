"""The checked rows of a file in temporary tables on disk, for the whole-file
steps that run as set-based SQL instead of holding the file in memory.

A check has its own tables (their names carry a number, so that a report kept
from an earlier check can never read a later file's rows):

    file   one row per row of the file, by line: its cleaned values (null where
           refused), its email's identity (``email_key``) and whether it is
           invalid (``bad``); appended a chunk at a time (``append_rows``)
    match  the same rows matched to customers (``matching``)
    plan   one row per customer to create or update, in writing order (``pos``),
           with the values it replaces: what ``writing`` writes and
           ``batch_rows`` stores (``columns.PLAN_SCHEMA``)

The tables of earlier checks on the connection are dropped when a new one
starts. On SQLite they live in a temporary file (``PRAGMA temp_store=FILE`` for
the connection from then on: kept in memory, as the settings ask for speed,
they would grow with the file); on PostgreSQL they are ordinary temporary
tables. Raw SQL rather than pandas or pyarrow here: the point is that the rows
are not in this process.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from django.db import connection
from django.db.backends.utils import CursorWrapper

from customer_flow.lib.bulk_sql import insert_rows
from customers.importing.columns import PLAN_SCHEMA

CHUNK = 50_000
_numbers = itertools.count(1)
_LIVE: list[str] = []

FILE_COLUMNS = ["line", "id", "name", "email", "phone", "email_key", "bad"]


@dataclass(frozen=True)
class Stage:
    """The names of one check's tables."""

    number: int

    @property
    def file(self) -> str:
        return f"customer_import_file_{self.number}"

    @property
    def match(self) -> str:
        return f"customer_import_match_{self.number}"

    @property
    def plan(self) -> str:
        return f"customer_import_plan_{self.number}"


def integer() -> str:
    """The type of an integer column of a staging table."""
    return "INTEGER" if connection.vendor == "sqlite" else "BIGINT"


def use_disk() -> None:
    """On SQLite, keep this connection's temporary tables in a file."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        if cursor.fetchone()[0] != 1 and not connection.in_atomic_block:
            # (Changing it drops the connection's temporary tables; SQLite
            # refuses inside a transaction, where they stay in memory: the
            # tests' transactions, never an import's.)
            cursor.execute("PRAGMA temp_store=FILE")


def new_stage() -> Stage:
    """Fresh tables for a check; those of earlier checks are dropped."""
    use_disk()
    with connection.cursor() as cursor:
        while _LIVE:
            cursor.execute(f"DROP TABLE IF EXISTS {_LIVE.pop()}")
        stage = Stage(next(_numbers))
        _LIVE.extend([stage.file, stage.match, stage.plan])
        whole = integer()
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage.file} (line {whole} PRIMARY KEY, "
            f"id {whole}, name TEXT, email TEXT, phone TEXT, email_key TEXT, "
            f"bad {whole} NOT NULL)"
        )
    return stage


def create_plan_table(cursor: CursorWrapper, name: str) -> None:
    """The plan's table: ``columns.PLAN_SCHEMA`` and the writing order, ``pos``."""
    whole = integer()
    columns = [f"pos {whole} PRIMARY KEY"]
    for field in PLAN_SCHEMA:
        kind = "TEXT" if field.type == pa.string() else whole
        columns.append(f"{field.name} {kind}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(columns)})")


def new_plan_table() -> str:
    """An empty plan table of its own (a batch's plan, read back to apply it)."""
    use_disk()
    name = f"customer_import_plan_{next(_numbers)}"
    with connection.cursor() as cursor:
        while _LIVE:
            cursor.execute(f"DROP TABLE IF EXISTS {_LIVE.pop()}")
        _LIVE.append(name)
        create_plan_table(cursor, name)
    return name


def append_rows(stage: Stage, rows: pa.Table) -> None:
    """Add checked rows (``FILE_COLUMNS``; ``bad`` 0 or 1) to the file table."""
    for start in range(0, rows.num_rows, CHUNK):
        insert_rows(stage.file, FILE_COLUMNS, rows.slice(start, CHUNK), temporary=True)


def mark_bad(cursor: CursorWrapper, table: str, lines: list[int]) -> None:
    """Mark these lines of ``table`` invalid."""
    for start in range(0, len(lines), 500):
        part = lines[start : start + 500]
        marks = ", ".join(["%s"] * len(part))
        cursor.execute(f"UPDATE {table} SET bad = 1 WHERE line IN ({marks})", part)


def pos_ranges(total: int) -> Iterator[tuple[int, int]]:
    """``(after, last)`` of each chunk of positions 1..total."""
    for start in range(0, total, CHUNK):
        yield start, min(start + CHUNK, total)


def bools(values: np.ndarray) -> pa.Array:
    """A boolean mask as the 0/1 integers of a ``bad`` column."""
    return pa.array(values.astype(np.int64), pa.int64())
