"""Write customers out as id.csv, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TextIO

from django.db.models import QuerySet

CSV_HEADER = ["ID", "Name", "Email", "Phone"]

# OWASP CSV injection: a cell starting with one of these may run as a formula.
# Cells that already start with quotes before a trigger get one more quote, so
# restore_formula() undoes neutralise_formula() exactly and values round-trip.
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r\x00]")


def neutralise_formula(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula."""
    return f"'{value}" if _FORMULA_RE.match(value) else value


def restore_formula(value: str) -> str:
    """Undo ``neutralise_formula`` on a value read back from an export."""
    return (
        value[1:] if value.startswith("'") and _FORMULA_RE.match(value[1:]) else value
    )


def customer_rows(customers: QuerySet) -> Iterable[tuple[str, str, str, str]]:
    """The export rows of ``customers`` in ID order, streamed from the database."""
    rows = customers.order_by("id").values_list("id", "name", "email", "phone")
    for pk, name, email, phone in rows.iterator(chunk_size=5000):
        yield (
            str(pk),
            neutralise_formula(name),
            neutralise_formula(email),
            neutralise_formula(phone),
        )


def write_customers_csv(customers: QuerySet, file: TextIO) -> int:
    """Write ``customers`` to ``file`` as id.csv and return the number of rows."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    count = 0
    for row in customer_rows(customers):
        writer.writerow(row)
        count += 1
    return count
