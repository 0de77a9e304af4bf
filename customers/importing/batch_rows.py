"""An import's rows, stored with its batch (``ImportBatchRow``) in bulk.

A preview of 100,000 rows is stored in a fraction of a second: the rows go in as
columns through the bulk writer (``customer_flow.lib.bulk_sql``), each kind of
row with only the columns it fills (the others have database defaults). No model
instance is made per row. On SQLite they go in 50,000 at a time, each in its own
short transaction, so that staff saving a customer meanwhile never wait long for
the write lock. The new and changed rows go first: a batch interrupted while its
rows were being saved is refused by Apply and by the undo (they count them).
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_flow.lib.bulk_sql import insert_rows
from customer_flow.lib.row_errors import RowError
from customers.importing.columns import OLD_VALUES, PLAN_SCHEMA
from customers.models import ImportBatch, ImportBatchRow

Kind = ImportBatchRow.Kind


def save_rows(
    batch: ImportBatch,
    *,
    planned: pa.Table,
    unchanged: pa.Table | None,
    rejected: list[tuple[int, list[str], str]],
    errors: list[RowError],
) -> int:
    """Store the rows of a file with its (saved) batch; return how many.

    ``planned`` is the plan's rows (``columns.PLAN_SCHEMA``), ``unchanged`` the id
    and line of identical rows (None: count them only), ``rejected`` and
    ``errors`` the invalid rows and why.
    """
    parts = [*_planned(planned), _unchanged(unchanged), _invalid(rejected, errors)]
    stored = 0
    for table in parts:
        if table is not None and table.num_rows:
            ids = pa.array(np.full(table.num_rows, batch.pk), pa.int64())
            table = table.add_column(0, "batch_id", ids)
            insert_rows(ImportBatchRow._meta.db_table, table.column_names, table)
            stored += table.num_rows
    return stored


def _planned(rows: pa.Table) -> list[pa.Table]:
    """The new rows, then the changed rows (with the values they replace)."""
    position = pa.array(np.arange(1, rows.num_rows + 1), pa.int64())
    rows = rows.append_column("position", position)
    changed = pc.equal(rows.column("kind"), "~")
    parts = []
    for kind, keep, extra in [
        (Kind.NEW, pc.invert(changed), []),
        (Kind.CHANGED, changed, [*OLD_VALUES, "version"]),
    ]:
        part = _filter(rows, keep)
        columns = {
            "line": part.column("line"),
            "kind": pa.repeat(pa.scalar(kind.value, pa.string()), part.num_rows),
            "position": part.column("position"),
            "customer_id": part.column("id"),
            "name": part.column("name"),
            "email": part.column("email"),
            "phone": part.column("phone"),
        }
        columns |= {name: part.column(name) for name in extra}
        parts.append(pa.table(columns))
    return parts


def _filter(rows: pa.Table, keep: pa.ChunkedArray) -> pa.Table:
    """``rows.filter(keep)``, without copying the table when every row or none
    is kept (a first import: every row is new)."""
    kept = pc.sum(keep).as_py() or 0
    if kept == rows.num_rows:
        return rows
    if kept == 0:
        return rows.slice(0, 0)
    return rows.filter(keep)


def _unchanged(rows: pa.Table | None) -> pa.Table | None:
    if rows is None:
        return None
    return pa.table(
        {
            "line": rows.column("line"),
            "kind": pa.repeat(
                pa.scalar(Kind.UNCHANGED.value, pa.string()), rows.num_rows
            ),
            "customer_id": rows.column("id"),
        }
    )


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


def planned_rows(batch: ImportBatch) -> pa.Table:
    """The batch's new and changed rows in writing order, as the plan's columns."""
    fields = [name if name != "id" else "customer_id" for name in PLAN_SCHEMA.names]
    rows = list(
        batch.rows.filter(kind__in=[Kind.NEW, Kind.CHANGED])
        .order_by("position")
        .values_list(*fields)
    )
    columns = list(zip(*rows, strict=True)) or [()] * len(fields)
    columns[0] = tuple("~" if kind == Kind.CHANGED else "+" for kind in columns[0])
    return pa.Table.from_arrays(
        [
            pa.array(column, type)
            for column, type in zip(columns, PLAN_SCHEMA.types, strict=True)
        ],
        schema=PLAN_SCHEMA,
    )
