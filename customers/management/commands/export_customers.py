from __future__ import annotations

from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customer_flow.lib.command_files import open_output, to_stdout
from customer_flow.lib.progress import TerminalProgress
from customers.exporting import WRITERS, export_format
from customers.models import Customer


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
        fmt = export_format(path, options["format"])
        customers = Customer.objects.all()
        if not options["include_archived"]:
            customers = customers.active()
        # With the data on standard output, messages go to standard error.
        messages = self.stderr if to_stdout(path) else self.stdout
        bar = TerminalProgress(
            cast(TextIO, messages._out), verbosity=options["verbosity"]
        )
        total = customers.count() if bar.enabled else 0
        with bar, open_output(self, path, binary=fmt == "xlsx") as file:
            try:
                count = WRITERS[fmt](
                    customers, file, progress=lambda s, done, _: bar(s, done, total)
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
        if options["verbosity"]:
            where = "standard output" if to_stdout(path) else path
            messages.write(
                f"Exported {count} customers to {where} as {fmt}.", self.style.SUCCESS
            )
