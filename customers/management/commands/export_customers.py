from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.commands import export_file
from customers.exporting import WRITERS


class Command(BaseCommand):
    help = (
        "Export customers in ID order as id.csv (ID,Name,Email,Phone, UTF-8), JSON "
        "or XLSX. Cells a spreadsheet would run as formulas (=, +, -, @ ...) get a "
        "leading ' in CSV and XLSX; the importer removes it again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="The file to write; none or - for standard output."
        )
        parser.add_argument(
            "--format",
            choices=sorted(WRITERS),
            help="Default: from the file's extension, else csv.",
        )
        parser.add_argument(
            "--include-archived",
            action="store_true",
            help="Export archived customers too.",
        )

    def handle(self, *args: Any, path: str | None, **options: Any) -> None:
        export_file(self, path, options)
