"""Write a plan: customers and their history rows, in one short transaction."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.utils import timezone

from customer_flow.sequences import reset_id_sequences
from customers.importing.columns import STAGED_COLUMNS
from customers.importing.report import Plan, Progress, no_progress
from customers.models import Customer, ImportBatch, ImportBatchRow

_CHUNK = 50_000
_STAGE = "customer_import_stage"


class ConcurrentChange(Exception):
    """The customers changed between reading them and writing the import."""


def write_plan(
    plan: Plan,
    *,
    batch: ImportBatch,
    progress: Progress = no_progress,
) -> float:
    """Write the plan in one transaction, with a history row per customer, and
    return how long the transaction took.

    The rows are first copied into a temporary table outside the transaction;
    the transaction then only runs set-based SQL, so on SQLite the write lock is
    held for as short a time as the database needs. A process killed at any
    point leaves the customers as they were.
    """
    vendor = connection.vendor
    with connection.cursor() as cursor:
        _create_stage(cursor, vendor)
        try:
            _fill_stage(cursor, vendor, plan.rows, progress)
            started = time.perf_counter()
            with transaction.atomic():
                batch.save()
                _apply_stage(cursor, plan, batch)
                reset_id_sequences(Customer)
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")


def _create_stage(cursor, vendor: str) -> None:
    integer = "INTEGER" if vendor == "sqlite" else "BIGINT"
    cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_STAGE} (pos {integer} PRIMARY KEY, "
        f"id {integer}, name TEXT NOT NULL, "
        f"email TEXT NOT NULL, phone TEXT NOT NULL, version {integer})"
    )


def _fill_stage(cursor, vendor: str, rows: pa.Table, progress: Progress) -> None:
    total = rows.num_rows
    staged = rows.select(STAGED_COLUMNS)
    if vendor == "postgresql":
        positions = pa.array(np.arange(1, total + 1), pa.int64())
        staged = staged.add_column(0, "pos", positions)
        columns = ", ".join(staged.column_names)
        # pyarrow writes the CSV and PostgreSQL parses it: no Python per row.
        # Empty strings are quoted, NULLs are not, as COPY expects.
        options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for done, batch in _batches(staged):
                sink = pa.BufferOutputStream()
                pacsv.write_csv(batch, sink, write_options=options)
                copy.write(sink.getvalue().to_pybytes())
                progress("staging", done, total)
        cursor.execute(f"ANALYZE {_STAGE}")  # temporary tables get no autovacuum
        return
    # SQLite: the DB-API connection's own executemany, without Django's per-query
    # wrapping. The temporary table lives in its own database: filling it in a
    # plain (deferred) transaction takes no lock on the customers' database.
    # pos is SQLite's rowid, numbered 1, 2, ... in insertion order.
    raw = connection.connection
    columns = ", ".join(STAGED_COLUMNS)
    sql = f"INSERT INTO {_STAGE} ({columns}) VALUES ({', '.join('?' * 5)})"
    own_transaction = not connection.in_atomic_block
    if own_transaction:
        cursor.execute("BEGIN")
    try:
        for done, batch in _batches(staged):
            columns = [column.to_pylist() for column in batch.columns]
            raw.executemany(sql, zip(*columns, strict=True))
            progress("staging", done, total)
    except BaseException:
        if own_transaction:
            cursor.execute("ROLLBACK")
        raise
    if own_transaction:
        cursor.execute("COMMIT")


def _batches(table: pa.Table) -> Iterator[tuple[int, pa.RecordBatch]]:
    done = 0
    for batch in table.to_batches(_CHUNK):
        done += batch.num_rows
        yield done, batch


def _apply_stage(cursor, plan: Plan, batch: ImportBatch) -> None:
    customers = connection.ops.quote_name(Customer._meta.db_table)
    history = connection.ops.quote_name(Customer.history.model._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {customers}")
    base = max(cursor.fetchone()[0], plan.max_file_id)
    # Rows without ID come last: number them on from the highest ID.
    without_id = plan.rows.column("id").null_count
    if without_id:
        with_id = plan.rows.num_rows - without_id
        cursor.execute(
            f"UPDATE {_STAGE} SET id = %s + pos - %s WHERE id IS NULL",
            [base, with_id],
        )
        if batch.pk is not None:  # its stored rows learn their customers' IDs
            number_new_rows(
                cursor, batch_id=batch.pk, first_id=base + 1, with_id=with_id
            )

    # Free emails that another row of the file takes over (a swap, a rotation).
    for start in range(0, len(plan.park), 500):
        ids = plan.park[start : start + 500]
        cursor.execute(
            f"UPDATE {customers} SET email = %s || CAST(id AS TEXT) "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ["!parked-by-import-", *ids],
        )

    updates = plan.updated
    if updates:
        cursor.execute(
            f"UPDATE {customers} AS c SET name = s.name, email = s.email, "
            "phone = s.phone, updated_at = %s, version = c.version + 1 "
            f"FROM {_STAGE} AS s WHERE s.version IS NOT NULL AND c.id = s.id "
            "AND c.version = s.version",
            [now],
        )
        if cursor.rowcount != updates:
            raise ConcurrentChange
    # A new customer's values: from the file, the import's time, or the field's
    # default (so a field added to Customer later needs no change here).
    new_values = {"id": "id", "name": "name", "email": "email", "phone": "phone"}
    new_values |= {"created_at": "%s", "updated_at": "%s", "archived_at": "NULL"}
    new_values |= {"version": "1"}
    columns, expressions, params = [], [], []
    for model_field in Customer._meta.concrete_fields:
        columns.append(connection.ops.quote_name(model_field.column))
        expression = new_values.get(model_field.attname)
        if expression == "%s":
            params.append(now)
        elif expression is None:
            default = model_field.get_default()
            expression = "%s"
            params.append(model_field.get_db_prep_save(default, connection))
        expressions.append(expression)
    cursor.execute(
        f"INSERT INTO {customers} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {_STAGE} WHERE version IS NULL "
        "ORDER BY pos",
        params,
    )

    # History rows: a new customer's row is what was just inserted (no need to
    # read it back); an updated customer's is read from the table.
    tracked = [
        index
        for index, model_field in enumerate(Customer._meta.concrete_fields)
        if model_field.name != "version"
    ]
    reason = f"Import #{batch.pk}: {batch.file_name}"[:100]
    into = (
        f"INSERT INTO {history} ({', '.join(columns[i] for i in tracked)}, "
        "history_date, history_change_reason, history_type, history_user_id, "
        "import_batch_id) "
    )
    extra = [now, reason, batch.applied_by_id, batch.pk]
    tracked_params = [
        p for i, p in _params_by_column(expressions, params) if i in tracked
    ]
    cursor.execute(
        into + f"SELECT {', '.join(expressions[i] for i in tracked)}, %s, %s, '+', "
        f"%s, %s FROM {_STAGE} WHERE version IS NULL ORDER BY pos",
        [*tracked_params, *extra],
    )
    if updates:
        cursor.execute(
            into + f"SELECT {', '.join('c.' + columns[i] for i in tracked)}, %s, "
            f"%s, '~', %s, %s FROM {_STAGE} AS s JOIN {customers} AS c "
            "ON c.id = s.id WHERE s.version IS NOT NULL ORDER BY s.pos",
            extra,
        )


def _params_by_column(expressions: list[str], params: list) -> Iterator[tuple]:
    """(column index, parameter) for the expressions that are parameters."""
    values = iter(params)
    for index, expression in enumerate(expressions):
        if expression == "%s":
            yield index, next(values)


def write_batch(
    plan: Plan,
    *,
    batch: ImportBatch,
    user: object | None,
    progress: Progress = no_progress,
) -> float:
    """Write a recorded batch's plan (see ``write_plan``); the batch becomes
    applied, by ``user``, in the same transaction.

    Raises ``ConcurrentChange`` or ``IntegrityError`` when customers changed since
    the plan was made: then nothing is written and the batch is left as it was.
    """
    before = batch.status, batch.applied_at, batch.applied_by
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.applied_by = _user(user)
    try:
        return write_plan(plan, batch=batch, progress=progress)
    except BaseException:
        batch.status, batch.applied_at, batch.applied_by = before
        raise


def _user(user: object | None) -> object | None:
    return user if getattr(user, "pk", None) else None


def number_new_rows(cursor, *, batch_id: int, first_id: int, with_id: int) -> None:
    """Give the stored new rows without ID the IDs the write just gave them
    (row at plan position p: ``first_id - 1 + p - with_id``)."""
    name = connection.ops.quote_name(ImportBatchRow._meta.db_table)
    cursor.execute(
        f"UPDATE {name} SET customer_id = %s + position - %s "
        "WHERE batch_id = %s AND kind = %s AND customer_id IS NULL",
        [first_id - 1, with_id, batch_id, ImportBatchRow.Kind.NEW.value],
    )
