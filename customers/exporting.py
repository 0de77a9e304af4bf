"""Write customers out as id.csv, JSON or XLSX, safe to open in a spreadsheet.

Rows stream from the database in chunks, so exporting a million customers holds
only one chunk in memory.

Formula neutralisation (OWASP CSV injection): in CSV and XLSX, a text cell that
begins with ``=``, ``+``, ``-``, ``@``, tab, CR or NUL, also after leading
whitespace (``"  =2+3"``), gets a ``'`` in front, so a spreadsheet shows it as
text instead of running it. That includes international
phone numbers: ``+44 20 7946 0958`` is written ``'+44 20 7946 0958`` (a spreadsheet
shows the number, without the quote). The importer removes that one quote again, so
every value round-trips: export, import and export give the same bytes. JSON is
not for spreadsheets and carries the values unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, TextIO

from django.db import connections
from django.db.models import QuerySet
from django.http import FileResponse

from customer_flow.lib.formulas import neutralise_formula
from customer_flow.lib.sqlite_scans import unmapped

if TYPE_CHECKING:
    from customers.models import Customer

CSV_HEADER = ["ID", "Name", "Email", "Phone"]
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header

_CHUNK = 10_000

Progress = Callable[[str, int, int], None]


def _chunks(customers: QuerySet[Customer]) -> Iterator[list[tuple[int, str, str, str]]]:
    """Chunks of (id, name, email, phone) in ID order, straight from a cursor
    (server-side on PostgreSQL) without building model instances."""
    query = customers.order_by("id").values_list("id", "name", "email", "phone")
    sql, params = query.query.sql_with_params()
    with unmapped(customers.db), connections[customers.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_CHUNK):
            yield rows


def write_customers_csv(
    customers: QuerySet[Customer], file: TextIO, *, progress: Progress | None = None
) -> int:
    """Write ``customers`` to ``file`` as id.csv and return the number of rows."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    count = 0
    n = neutralise_formula
    for chunk in _chunks(customers):
        writer.writerows(
            (pk, n(name), n(email), n(phone)) for pk, name, email, phone in chunk
        )
        count += len(chunk)
        if progress:
            progress("exporting", count, 0)
    return count


def write_customers_json(
    customers: QuerySet[Customer], file: TextIO, *, progress: Progress | None = None
) -> int:
    """Write ``customers`` as a JSON list of objects with the id.csv columns."""
    count = 0
    file.write("[")
    for chunk in _chunks(customers):
        for pk, name, email, phone in chunk:
            record = {"ID": pk, "Name": name, "Email": email, "Phone": phone}
            file.write(",\n  " if count else "\n  ")
            file.write(json.dumps(record, ensure_ascii=False))
            count += 1
        if progress:
            progress("exporting", count, 0)
    file.write("\n]\n" if count else "]\n")
    return count


def write_customers_xlsx(
    customers: QuerySet[Customer], file: IO[bytes], *, progress: Progress | None = None
) -> int:
    """Write ``customers`` as an Excel workbook (text cells neutralised)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(CSV_HEADER)
    count = 0
    for chunk in _chunks(customers):
        count += len(chunk)
        if count > XLSX_MAX_ROWS:
            raise ValueError(
                f"An Excel worksheet holds at most {XLSX_MAX_ROWS:,} rows; export "
                "as CSV instead."
            )
        for pk, name, email, phone in chunk:
            sheet.append(
                [
                    pk,
                    neutralise_formula(name),
                    neutralise_formula(email),
                    neutralise_formula(phone),
                ]
            )
        if progress:
            progress("exporting", count, 0)
    workbook.save(file)
    return count


WRITERS: dict[str, Callable[..., int]] = {
    "csv": write_customers_csv,
    "json": write_customers_json,
    "xlsx": write_customers_xlsx,
}


def export_format(path: str | None, requested: str | None = None) -> str:
    """The format to write: the one requested, else the file's extension when it
    names one, else csv."""
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return requested or (suffix if suffix in WRITERS else "csv")


def customer_csv(customers: QuerySet[Customer]) -> FileResponse:
    """A download of ``customers`` as id.csv (the list's export and its bulk
    export), spooled to a temporary file so a million rows never sit in memory."""
    file = tempfile.TemporaryFile()
    text_file = io.TextIOWrapper(file, encoding="utf-8", newline="")
    write_customers_csv(customers, text_file)
    text_file.flush()
    text_file.detach()
    file.seek(0)
    # The name the README and the importer use for this format.
    return FileResponse(
        file,
        as_attachment=True,
        filename="id.csv",
        content_type="text/csv; charset=utf-8",
    )
