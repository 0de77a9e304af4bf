"""Write a plan: customers and their history rows, in one short transaction."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from customer_flow.lib.bulk_sql import insert_rows, reset_id_sequences
from customer_flow.lib.history_rows import insert_history_rows
from customer_flow.lib.users import recorded_user
from customers import derived_tables
from customers.importing.columns import COLUMNS, PLAN_SCHEMA, STAGED_COLUMNS
from customers.importing.report import Plan, Progress, no_progress
from customers.importing.staging import pos_ranges, use_disk
from customers.models import Customer, ImportBatch, ImportBatchRow
from customers.search_keys import KEY_FIELDS, key_columns

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_STAGE = "customer_import_stage"
_KEYS_FROM_STAGE = ", ".join(f"{name} = s.{name}" for name in KEY_FIELDS)


class ConcurrentChange(Exception):
    """The customers changed between reading them and writing the import."""


def write_plan(
    plan: Plan,
    *,
    batch: ImportBatch,
    by: User | None = None,
    progress: Progress = no_progress,
) -> float:
    """Write the plan in one transaction, with a history row per customer, and
    return how long the transaction took. ``batch`` becomes applied, by ``by``,
    in the same transaction.

    Raises ``ConcurrentChange`` or ``IntegrityError`` when customers changed since
    the plan was made: then nothing is written.

    The rows are first copied into a temporary table outside the transaction;
    the transaction then only runs set-based SQL, so on SQLite the write lock is
    held for as short a time as the database needs. A process killed at any
    point leaves the customers as they were.
    """
    total = plan.created + plan.updated
    use_disk()
    with connection.cursor() as cursor:
        _create_stage(cursor)
        try:
            _fill_stage(cursor, plan, progress)
            progress("writing", 0, total)
            started = time.perf_counter()
            with transaction.atomic(), derived_tables.paused() as touched:
                batch.mark_applied(by=recorded_user(by))
                _apply_stage(cursor, plan, batch, touched)
                reset_id_sequences(Customer)
            progress("writing", total, total)
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")


def _create_stage(cursor: CursorWrapper) -> None:
    # pos: the row's place in the plan (SQLite's rowid).
    integer = "INTEGER" if connection.vendor == "sqlite" else "BIGINT"
    columns = [f"pos {integer} PRIMARY KEY"]
    for name in STAGED_COLUMNS:
        if PLAN_SCHEMA.field(name).type == pa.string():
            columns.append(f"{name} TEXT NOT NULL")
        else:
            columns.append(f"{name} {integer}")
    columns += [f"{name} TEXT NOT NULL" for name in KEY_FIELDS]
    cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {_STAGE} ({', '.join(columns)})")


def _fill_stage(cursor: CursorWrapper, plan: Plan, progress: Progress) -> None:
    """The plan's rows with their search keys, worked out a chunk at a time."""
    total = plan.created + plan.updated
    names = ["pos", *STAGED_COLUMNS]
    types = [pa.int64(), *(PLAN_SCHEMA.field(name).type for name in STAGED_COLUMNS)]
    progress("staging", 0, total)
    for after, last in pos_ranges(total):
        cursor.execute(
            f"SELECT {', '.join(names)} FROM {plan.table} WHERE pos > %s AND pos <= %s "
            "ORDER BY pos",
            [after, last],
        )
        columns = list(zip(*cursor.fetchall(), strict=True)) or [()] * len(names)
        rows = pa.table(
            [pa.array(c, t) for c, t in zip(columns, types, strict=True)], names=names
        )
        staged = with_search_keys(rows)
        insert_rows(_STAGE, staged.column_names, staged, temporary=True)
        progress("staging", last, total)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {_STAGE}")  # temporary tables get no autovacuum


def with_search_keys(rows: pa.Table) -> pa.Table:
    """The rows with their customers' search and identity keys added
    (``customers.search_keys``), worked out for the whole batch at once."""
    keys = key_columns(rows.column("name"), rows.column("email"), rows.column("phone"))
    for name in KEY_FIELDS:
        rows = rows.append_column(name, keys[name])
    return rows


def _apply_stage(
    cursor: CursorWrapper,
    plan: Plan,
    batch: ImportBatch,
    touched: derived_tables.Touched,
) -> None:
    now = timezone.now()
    _number_rows_without_id(cursor, plan, batch)
    # The derived tables are recounted for the keys the customers had and get.
    touched.note(
        f"SELECT phone_key, name_key, email_key FROM {_customers()} "
        f"WHERE id IN (SELECT id FROM {_STAGE} WHERE version IS NOT NULL)",
        rows=plan.updated,
    )
    _park_emails(cursor, plan.park)
    if plan.updated:
        _update_customers(cursor, plan.updated, now)
    new_values = _new_customer_values(now)
    _insert_customers(cursor, new_values)
    touched.note(
        f"SELECT phone_key, name_key, email_key FROM {_STAGE}",
        rows=plan.created + plan.updated,
    )
    # History rows: a new customer's row is what was just inserted (no need to
    # read it back); an updated customer's is read from the table.
    reason = f"Import #{batch.pk}: {batch.file_name}"[:100]
    insert_history_rows(
        cursor,
        Customer,
        source=f"{_STAGE} AS c WHERE c.version IS NULL ORDER BY c.pos",
        history_type="+",
        date=now,
        reason=reason,
        user_id=batch.applied_by_id,
        values={**new_values, "import_batch_id": batch.pk},
    )
    if plan.updated:
        insert_history_rows(
            cursor,
            Customer,
            source=f"{_STAGE} AS s JOIN {_customers()} AS c ON c.id = s.id "
            "WHERE s.version IS NOT NULL ORDER BY s.pos",
            history_type="~",
            date=now,
            reason=reason,
            user_id=batch.applied_by_id,
            values={"import_batch_id": batch.pk},
        )


def _customers() -> str:
    return connection.ops.quote_name(Customer._meta.db_table)


def _number_rows_without_id(
    cursor: CursorWrapper, plan: Plan, batch: ImportBatch
) -> None:
    """Rows without ID come last: number them on from the highest ID."""
    cursor.execute(f"SELECT COUNT(*) FROM {_STAGE} WHERE id IS NULL")
    without_id = cursor.fetchone()[0]
    if not without_id:
        return
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_customers()}")
    base = max(cursor.fetchone()[0], plan.max_file_id)
    with_id = plan.created + plan.updated - without_id
    cursor.execute(
        f"UPDATE {_STAGE} SET id = %s + pos - %s WHERE id IS NULL",
        [base, with_id],
    )
    if batch.pk is not None:  # its stored rows learn their customers' IDs
        rows = connection.ops.quote_name(ImportBatchRow._meta.db_table)
        cursor.execute(
            f"UPDATE {rows} SET customer_id = %s + position - %s "
            "WHERE batch_id = %s AND kind = %s AND customer_id IS NULL",
            [base, with_id, batch.pk, ImportBatchRow.Kind.NEW.value],
        )


def _park_emails(cursor: CursorWrapper, park: list[int]) -> None:
    """Free emails that another row of the file takes over (a swap, a rotation)."""
    for start in range(0, len(park), 500):
        ids = park[start : start + 500]
        cursor.execute(
            f"UPDATE {_customers()} SET email = %s || CAST(id AS TEXT), "
            "email_key = %s || CAST(id AS TEXT) "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ["!parked-by-import-", "!parked-by-import-", *ids],
        )


def _update_customers(cursor: CursorWrapper, updates: int, now: datetime) -> None:
    """Update the customers of the plan, each only at the version it was read at."""
    cursor.execute(
        f"UPDATE {_customers()} AS c SET name = s.name, email = s.email, "
        f"phone = s.phone, {_KEYS_FROM_STAGE}, updated_at = %s, "
        "version = c.version + 1 "
        f"FROM {_STAGE} AS s WHERE s.version IS NOT NULL AND c.id = s.id "
        "AND c.version = s.version",
        [connection.ops.adapt_datetimefield_value(now)],
    )
    if cursor.rowcount != updates:
        raise ConcurrentChange


def _new_customer_values(now: datetime) -> dict[str, Any]:
    """The columns of a new customer that the file does not give: the import's
    time, or the field's default (so a field added to Customer later needs no
    change here)."""
    values: dict[str, Any] = {}
    for field in Customer._meta.concrete_fields:
        if field.column in COLUMNS or field.column in KEY_FIELDS:  # staged
            continue
        if field.attname in ("created_at", "updated_at"):
            value: Any = connection.ops.adapt_datetimefield_value(now)
        elif field.attname == "archived_at":
            value = None
        else:
            value = field.get_db_prep_save(field.get_default(), connection)
        values[field.column] = value
    return values


def _insert_customers(cursor: CursorWrapper, new_values: dict[str, Any]) -> None:
    quote = connection.ops.quote_name
    columns, expressions = [], []
    for field in Customer._meta.concrete_fields:
        columns.append(quote(field.column))
        expressions.append("%s" if field.column in new_values else quote(field.column))
    cursor.execute(
        f"INSERT INTO {_customers()} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {_STAGE} WHERE version IS NULL "
        "ORDER BY pos",
        list(new_values.values()),
    )
