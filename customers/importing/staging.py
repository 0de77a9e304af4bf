"""The checked rows of a file in temporary tables on disk, for the whole-file
steps that run as set-based SQL instead of holding the file in memory.

A check has its own tables (their names carry a number, so that a report kept
from an earlier check can never read a later file's rows):

    file   one row per row of the file, by line: its cleaned values (null where
           refused), its email's identity (``email_key``) and whether it is
           invalid (``bad``); appended a chunk at a time (``append_rows``),
           then checked as a whole: IDs and emails unique in the file, phones
           that lost their leading zero
    match  the same rows matched to customers (``matching``)
    plan   one row per customer to create or update, in writing order (``pos``),
           with the values it replaces: what ``writing`` writes and
           ``batch_rows`` stores (``columns.PLAN_SCHEMA``)

The tables of earlier checks on the connection are dropped when a new one
starts. On SQLite they live in a temporary file (``PRAGMA temp_store=FILE`` for
the connection from then on: kept in memory, as the settings ask for speed,
they would grow with the file; see ``use_disk``); on PostgreSQL they are
ordinary temporary tables. Raw SQL rather than pandas or pyarrow here: the
point is that the rows are not in this process.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import connection
from django.db.backends.utils import CursorWrapper

from customer_flow.lib.bulk_sql import insert_rows
from customer_flow.lib.row_errors import RowError
from customers.importing.columns import COLUMNS, PLAN_SCHEMA
from customers.importing.rules import LOST_ZERO, PhoneShapes, describe_lines

CHUNK = 50_000
_numbers = itertools.count(1)
_LIVE: list[str] = []

FILE_COLUMNS = [
    "line",
    "id",
    "name",
    "email",
    "phone",
    "email_key",
    "bad",
    "bare_digits",  # a phone of digits only, no 0 or + in front: how many
]


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
    """On SQLite, keep this connection's temporary tables in a file, and read the
    database through SQLite's page cache rather than a memory map: the pages of
    a map count in the process's memory (up to the settings' 256 MB) although
    they are the disk's."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size=0")
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
            f"bad {whole} NOT NULL, bare_digits {whole})"
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


def groups(cursor: CursorWrapper, sql: str) -> Iterator[tuple[Any, list[tuple]]]:
    """Rows of ``sql`` grouped by their first column (the query orders by it)."""
    cursor.execute(sql)
    key: Any = None
    rows: list[tuple] = []
    while chunk := cursor.fetchmany(10_000):
        for row in chunk:
            if rows and row[0] != key:
                yield key, rows
                rows = []
            key = row[0]
            rows.append(row)
    if rows:
        yield key, rows


def refuse_duplicates(stage: Stage) -> list[RowError]:
    """Every row whose ID, or email ignoring case, is also on another row,
    however far apart: a ``GROUP BY`` over the file's table."""
    errors: list[RowError] = []
    checks = [
        ("id", "id", "The ID {} is also on {}."),
        (
            "email_key",
            "email",
            "The email {} is also on {} (emails must be unique ignoring case).",
        ),
    ]
    with connection.cursor() as cursor:
        for key, shown, describe in checks:
            sql = (
                f"SELECT s.{key}, s.line, s.{shown} FROM {stage.file} AS s JOIN "
                f"(SELECT {key} FROM {stage.file} WHERE {key} IS NOT NULL "
                f"GROUP BY {key} HAVING COUNT(*) > 1) AS d ON d.{key} = s.{key} "
                f"ORDER BY s.{key}, s.line"
            )
            found: list[RowError] = []
            for _value, rows in list(groups(cursor, sql)):
                lines = [line for _key, line, _shown in rows]
                found += [
                    RowError(
                        line,
                        COLUMNS[shown],
                        None,
                        describe.format(
                            value, describe_lines([o for o in lines if o != line])
                        ),
                    )
                    for _key, line, value in rows
                ]
            mark_bad(cursor, stage.file, [error.line for error in found if error.line])
            errors += found
    return errors


def refuse_lost_zeros(stage: Stage, phones: PhoneShapes) -> list[RowError]:
    """``rules.refuse_lost_zeros`` over the whole file: phones one digit shorter
    than the national ones, when most phones of the file are national."""
    if not phones.lost_zeros_detectable:
        return []
    lengths = sorted(phones.lengths)
    marks = ", ".join(["%s"] * len(lengths))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT line, phone FROM {stage.file} WHERE bare_digits + 1 IN ({marks}) "
            "ORDER BY line",
            lengths,
        )
        found = [
            RowError(line, COLUMNS["phone"], phone, LOST_ZERO)
            for line, phone in cursor.fetchall()
        ]
        mark_bad(cursor, stage.file, [error.line for error in found if error.line])
    return found


def pos_ranges(total: int) -> Iterator[tuple[int, int]]:
    """``(after, last)`` of each chunk of positions 1..total."""
    for start in range(0, total, CHUNK):
        yield start, min(start + CHUNK, total)


def bools(values: np.ndarray) -> pa.Array:
    """A boolean mask as the 0/1 integers of a ``bad`` column."""
    return pa.array(values.astype(np.int64), pa.int64())
