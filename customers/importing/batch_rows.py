"""An import's rows, stored with its batch (``ImportBatchRow``) in bulk.

A preview of 100,000 rows is stored in a fraction of a second: the new, changed
and unchanged rows are copied by ``INSERT … SELECT`` from the check's temporary
tables (``staging``), each kind of row with only the columns it fills (the
others have database defaults); the invalid rows, which the check holds, go
through the bulk writer (``customer_flow.lib.bulk_sql``). No model instance and
no Python object per row. They go in 50,000 at a time, each in its own short
transaction, so that staff saving a customer meanwhile never wait long for
the write lock. The new and changed rows go first: a batch interrupted while its
rows were being saved is refused by Apply and by the undo (they count them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pyarrow as pa
from django.db import connection, transaction

from customer_flow.lib.bulk_sql import insert_rows
from customer_flow.lib.row_errors import RowError
from customers.importing.columns import OLD_VALUES
from customers.importing.report import Plan
from customers.importing.staging import CHUNK, pos_ranges
from customers.models import ImportBatch, ImportBatchRow

Kind = ImportBatchRow.Kind


def save_rows(
    batch: ImportBatch,
    *,
    plan: Plan,
    list_unchanged: bool,
    rejected: list[tuple[int, list[str], str]],
    errors: list[RowError],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store the rows of a file with its (saved) batch; return how many.

    The plan's new rows, then its changed rows (with the values they replace),
    are copied from its table by SQL; with ``list_unchanged`` the id and line of
    identical rows too (otherwise they are counted only); ``rejected`` and
    ``errors`` are the invalid rows and why.
    """
    rows = connection.ops.quote_name(ImportBatchRow._meta.db_table)
    total = plan.created + plan.updated
    stored = 0
    for kind, sign, extra in [
        (Kind.NEW, "+", []),
        (Kind.CHANGED, "~", [*OLD_VALUES, "version"]),
    ]:
        into = ", ".join(
            ["line", "position", "customer_id", "name", "email", "phone", *extra]
        )
        source = ", ".join(["line", "pos", "id", "name", "email", "phone", *extra])
        for after, last in pos_ranges(total):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {rows} (batch_id, kind, {into}) "
                    f"SELECT %s, %s, {source} FROM {plan.table} "
                    "WHERE kind = %s AND pos > %s AND pos <= %s",
                    [batch.pk, kind.value, sign, after, last],
                )
                stored += cursor.rowcount
            if progress:
                progress(stored)
    if list_unchanged and plan.unchanged_from:
        source = plan.unchanged_from
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(line), MAX(line) FROM {source}")
            low, high = cursor.fetchone()
        for start in range(low or 0, (high or -1) + 1, CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {rows} (batch_id, kind, line, customer_id) "
                    f"SELECT %s, %s, line, resolved FROM {source} WHERE bad = 0 "
                    "AND matched IS NOT NULL AND same = 1 "
                    "AND line >= %s AND line < %s",
                    [batch.pk, Kind.UNCHANGED.value, start, start + CHUNK],
                )
                stored += cursor.rowcount
    invalid = _invalid(rejected, errors)
    if invalid.num_rows:
        ids = pa.array(np.full(invalid.num_rows, batch.pk), pa.int64())
        invalid = invalid.add_column(0, "batch_id", ids)
        insert_rows(ImportBatchRow._meta.db_table, invalid.column_names, invalid)
        stored += invalid.num_rows
    return stored


def _invalid(
    rejected: list[tuple[int, list[str], str]], errors: list[RowError]
) -> pa.Table:
    problems: dict[int, list] = defaultdict(list)
    for error in errors:
        if error.line is not None:
            problems[error.line].append([error.column, error.message, error.value])
    return pa.table(
        {
            "line": pa.array(
                [line for line, _values, _reasons in rejected], pa.int64()
            ),
            "kind": pa.repeat(
                pa.scalar(Kind.INVALID.value, pa.string()), len(rejected)
            ),
            "values": pa.array(
                [_json(values) for _line, values, _reasons in rejected], pa.string()
            ),
            "problems": pa.array(
                [_json(problems[line]) for line, _values, _reasons in rejected],
                pa.string(),
            ),
        }
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def planned_rows(batch: ImportBatch, table: str) -> int:
    """Copy the batch's new and changed rows into an empty plan table (see
    ``staging``), in writing order; return how many."""
    rows = connection.ops.quote_name(ImportBatchRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (pos, kind, id, name, email, phone, version, line, "
            "old_name, old_email, old_phone) SELECT position, CASE WHEN kind = %s "
            "THEN '~' ELSE '+' END, customer_id, name, email, phone, version, line, "
            f"old_name, old_email, old_phone FROM {rows} WHERE batch_id = %s "
            "AND kind IN (%s, %s)",
            [Kind.CHANGED.value, batch.pk, Kind.NEW.value, Kind.CHANGED.value],
        )
        return cursor.rowcount
