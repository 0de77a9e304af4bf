"""Tests of customers/importing/, one file per module, and of the import
commands. The helpers the files share are here."""

from __future__ import annotations

import io
from pathlib import Path

from customers.importing import ImportReport, import_customers
from customers.models import Customer, ImportBatch

FILES = Path(__file__).parent.parent / "files"
HEADER = "ID,Name,Email,Phone\n"


def state() -> tuple:
    """Everything an import may write, to assert that nothing changed."""
    return (
        list(Customer.objects.values_list("id", "name", "email", "phone", "version")),
        Customer.history.count(),
        ImportBatch.objects.count(),
    )


def run(text: str | bytes, **options) -> ImportReport:
    data = text.encode() if isinstance(text, str) else text
    return import_customers(io.BytesIO(data), **options)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]
