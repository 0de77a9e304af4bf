"""Write many rows at once: imports, an import's rows, seed data.

``insert_rows`` is the one bulk writer. On PostgreSQL it streams the rows with
COPY (a pyarrow table as CSV that pyarrow writes, so there is no Python object
per value; other rows through psycopg's ``write_row``). On SQLite it uses the
DB-API connection's own ``executemany``, without Django's per-query wrapping,
50,000 rows at a time. Rows that bring their own primary keys move the model's
ID sequence past them, inside the writer (Django's ``contrib/sites`` does the
same after creating the default site).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.csv as pacsv
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Model

CHUNK = 50_000

Rows: TypeAlias = "pa.Table | Iterable[Sequence[Any]]"


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Rows,
    *,
    model: type[Model] | None = None,
    temporary: bool = False,
    progress: Callable[[int], None] | None = None,
    using: str = "default",
) -> None:
    """Insert ``rows`` (a pyarrow table, or tuples) into ``table``'s ``columns``.

    ``model``: the model whose table this is, to keep its automatic IDs ahead of
    the IDs written. ``temporary``: a temporary table, which SQLite keeps in a
    database of its own; it is filled in one plain (deferred) transaction that
    takes no lock on the main database. A real table is filled in a transaction
    per chunk, so that people saving meanwhile never wait long for SQLite's write
    lock. ``progress`` is told how many rows are written so far.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    into = f"{quote(table)} ({', '.join(quote(column) for column in columns)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {into} FROM STDIN", rows, progress)
        else:
            marks = ", ".join(["?"] * len(columns))
            sql = f"INSERT INTO {into} VALUES ({marks})"
            chunks = _tuples(rows, progress)
            if temporary:
                _fill_temporary(cursor, sql, chunks)
            else:
                for chunk in chunks:
                    with transaction.atomic(using=using):
                        connection.connection.executemany(sql, chunk)
    if model is not None and model._meta.pk.column in columns:
        reset_id_sequences(model, using=using)


def _copy(
    cursor: CursorWrapper,
    sql: str,
    rows: Rows,
    progress: Callable[[int], None] | None,
) -> None:
    if not isinstance(rows, pa.Table):
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Quoted empty strings stay empty; unquoted empty cells are NULL.
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    done = 0
    with cursor.copy(f"{sql} (FORMAT csv)") as copy:
        for batch in rows.to_batches(CHUNK):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, write_options=options)
            copy.write(sink.getvalue().to_pybytes())
            done += batch.num_rows
            if progress:
                progress(done)


def _tuples(
    rows: Rows, progress: Callable[[int], None] | None
) -> Iterator[Iterable[Sequence[Any]]]:
    """The rows in chunks, as sequences of values."""
    done = 0
    if isinstance(rows, pa.Table):
        for batch in rows.to_batches(CHUNK):
            columns = [column.to_pylist() for column in batch.columns]
            yield zip(*columns, strict=True)
            done += batch.num_rows
            if progress:
                progress(done)
        return
    iterator: Iterator[Sequence[Any]] = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk
        done += len(chunk)
        if progress:
            progress(done)


def _fill_temporary(
    cursor: CursorWrapper, sql: str, chunks: Iterable[Iterable[Sequence[Any]]]
) -> None:
    connection = cursor.db
    own_transaction = not connection.in_atomic_block
    if own_transaction:
        cursor.execute("BEGIN")
    try:
        for chunk in chunks:
            connection.connection.executemany(sql, chunk)
    except BaseException:
        if own_transaction:
            cursor.execute("ROLLBACK")
        raise
    if own_transaction:
        cursor.execute("COMMIT")


def reset_id_sequences(*models: type[Model], using: str = "default") -> None:
    """After inserting explicit primary keys, make the next automatic ID free.

    PostgreSQL's identity sequence does not move when a row brings its own ID, so
    the next automatic ID would collide. SQLite needs nothing: it takes max(id) + 1.
    """
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@contextmanager
def deferred_indexes(model: type[Model], using: str = "default") -> Iterator[None]:
    """Drop ``model``'s ``Meta.indexes`` for the block and build them again after.

    Sorting a million keys into a fresh index is much faster than a million random
    inserts into it (seed_demo's million customers: 35 s -> 25 s in all on SQLite).
    Unique constraints stay: they are rules, not speed-ups. Use inside one
    transaction so nobody sees the table without its indexes.
    """
    connection = connections[using]
    sqlite = connection.vendor == "sqlite"
    editor = connection.schema_editor()  # only writes the SQL; never entered
    with connection.cursor() as cursor:
        if sqlite:  # a bigger page cache while building, then back to the setting
            cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute("PRAGMA cache_size=-400000")
        for index in model._meta.indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for index in model._meta.indexes:
                cursor.execute(str(index.create_sql(model, editor)))
            if sqlite:
                cursor.execute(f"PRAGMA cache_size={int(cache_size)}")
