"""An import's rows, stored with its batch (``ImportBatchRow``) in bulk.

A preview of 100,000 rows must be stored in well under a second, so the rows go
in as columns, the way the importer stages customers: PostgreSQL parses a CSV
that pyarrow writes (COPY), SQLite takes the DB-API connection's own
``executemany``. No model instance is made per row.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

from customers.models import ImportBatch, ImportBatchRow
from customers.row_errors import RowError

Kind = ImportBatchRow.Kind

_CHUNK = 50_000
COLUMNS = {
    "batch_id": pa.int64(),
    "line": pa.int64(),
    "kind": pa.string(),
    "position": pa.int64(),
    "customer_id": pa.int64(),
    "name": pa.string(),
    "email": pa.string(),
    "phone": pa.string(),
    "old_name": pa.string(),
    "old_email": pa.string(),
    "old_phone": pa.string(),
    "version": pa.int64(),
    "values": pa.string(),
    "problems": pa.string(),
}
_TEXT = ("name", "email", "phone", "old_name", "old_email", "old_phone")


def save_rows(
    batch: ImportBatch,
    *,
    planned: pa.Table,
    unchanged: pa.Table | None,
    rejected: list[tuple[int, list[str], str]],
    errors: list[RowError],
) -> int:
    """Store every row of a file with its (saved) batch; return how many.

    ``planned`` is the plan's rows (see ``importing.Plan``), ``unchanged`` the id
    and line of identical rows, ``rejected`` and ``errors`` the invalid rows and
    why. Call it inside a transaction with the batch's own save.
    """
    tables = [_planned(planned), _unchanged(unchanged), _invalid(rejected, errors)]
    tables = [table for table in tables if table.num_rows]
    if not tables:
        return 0
    table = pa.concat_tables(tables)
    table = table.set_column(
        0, "batch_id", pa.array(np.full(table.num_rows, batch.pk), pa.int64())
    )
    _insert(table)
    return table.num_rows


def _empty(count: int) -> dict[str, pa.Array]:
    columns = {name: pa.nulls(count, kind) for name, kind in COLUMNS.items()}
    for name in _TEXT:
        columns[name] = pa.array([""] * count, pa.string())
    return columns


def _planned(rows: pa.Table) -> pa.Table:
    count = rows.num_rows
    columns = _empty(count)
    kinds = pc.if_else(
        pc.equal(rows.column("kind"), "~"), Kind.CHANGED.value, Kind.NEW.value
    )
    columns |= {
        "line": rows.column("line"),
        "kind": kinds,
        "position": pa.array(np.arange(1, count + 1), pa.int64()),
        "customer_id": rows.column("id"),
        "version": rows.column("version"),
    }
    for key in ("name", "email", "phone"):
        columns[key] = rows.column(key)
        columns[f"old_{key}"] = pc.fill_null(rows.column(f"old_{key}"), "")
    return pa.table(columns, schema=pa.schema(COLUMNS))


def _unchanged(rows: pa.Table | None) -> pa.Table:
    if rows is None or not rows.num_rows:
        return pa.table(_empty(0), schema=pa.schema(COLUMNS))
    columns = _empty(rows.num_rows)
    columns |= {
        "line": rows.column("line"),
        "kind": pa.array([Kind.UNCHANGED.value] * rows.num_rows, pa.string()),
        "customer_id": rows.column("id"),
    }
    return pa.table(columns, schema=pa.schema(COLUMNS))


def _invalid(
    rejected: list[tuple[int, list[str], str]], errors: list[RowError]
) -> pa.Table:
    problems: dict[int, list] = defaultdict(list)
    for error in errors:
        if error.line is not None:
            problems[error.line].append([error.column, error.message, error.value])
    columns = _empty(len(rejected))
    columns |= {
        "line": pa.array([line for line, _values, _reason in rejected], pa.int64()),
        "kind": pa.array([Kind.INVALID.value] * len(rejected), pa.string()),
        "values": pa.array(
            [_json(values) for _line, values, _reasons in rejected], pa.string()
        ),
        "problems": pa.array(
            [_json(problems[line]) for line, _values, _reasons in rejected],
            pa.string(),
        ),
    }
    return pa.table(columns, schema=pa.schema(COLUMNS))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _insert(table: pa.Table) -> None:
    name = connection.ops.quote_name(ImportBatchRow._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in table.column_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Quoted empty strings stay empty; unquoted empty cells are NULL.
            options = pacsv.WriteOptions(
                include_header=False, quoting_style="all_valid"
            )
            copy_sql = f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)"
            with cursor.copy(copy_sql) as copy:
                for batch in table.to_batches(_CHUNK):
                    sink = pa.BufferOutputStream()
                    pacsv.write_csv(batch, sink, write_options=options)
                    copy.write(sink.getvalue().to_pybytes())
            return
        cursor.execute("SELECT 1")  # opens the connection inside the transaction
        marks = ", ".join(["?"] * table.num_columns)
        sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
        for batch in table.to_batches(_CHUNK):
            lists = [column.to_pylist() for column in batch.columns]
            connection.connection.executemany(sql, zip(*lists, strict=True))


def number_new_rows(cursor, *, batch_id: int, first_id: int, with_id: int) -> None:
    """Give the stored new rows without ID the IDs the write just gave them
    (row at plan position p: ``first_id - 1 + p - with_id``)."""
    name = connection.ops.quote_name(ImportBatchRow._meta.db_table)
    cursor.execute(
        f"UPDATE {name} SET customer_id = %s + position - %s "
        "WHERE batch_id = %s AND kind = %s AND customer_id IS NULL",
        [first_id - 1, with_id, batch_id, Kind.NEW.value],
    )


def planned_rows(batch: ImportBatch) -> pa.Table:
    """The batch's new and changed rows in writing order, as the plan's columns."""
    fields = ["kind", "customer_id", "name", "email", "phone", "version", "line"]
    fields += ["old_name", "old_email", "old_phone"]
    rows = list(
        batch.rows.filter(kind__in=[Kind.NEW, Kind.CHANGED])
        .order_by("position")
        .values_list(*fields)
    )
    columns = list(zip(*rows, strict=True)) or [()] * len(fields)
    kinds = ["~" if kind == Kind.CHANGED else "+" for kind in columns[0]]
    return pa.table(
        {
            "kind": pa.array(kinds, pa.string()),
            "id": pa.array(columns[1], pa.int64()),
            "name": pa.array(columns[2], pa.string()),
            "email": pa.array(columns[3], pa.string()),
            "phone": pa.array(columns[4], pa.string()),
            "version": pa.array(columns[5], pa.int64()),
            "line": pa.array(columns[6], pa.int64()),
            "old_name": pa.array(columns[7], pa.string()),
            "old_email": pa.array(columns[8], pa.string()),
            "old_phone": pa.array(columns[9], pa.string()),
        }
    )


def rejected_rows(batch: ImportBatch) -> list[tuple[int, list[str], str]]:
    """(line, cells, reasons) of the batch's invalid rows, in line order, as a
    rejected-rows report lists them."""
    rows = batch.rows.filter(kind=Kind.INVALID).order_by("line")
    return [
        (row.line, row.values or [], "; ".join(e.reason for e in row.errors()))
        for row in rows.only("line", "values", "problems")
    ]
