from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customer_flow.lib.command_files import open_output, to_stdout
from tickets.exporting import write_ticket_types


class Command(BaseCommand):
    help = (
        'Export the ticket types as ticket_types.json ({"1": "Technical Issue", '
        "...}): keys in numeric order, UTF-8, indented."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="The file to write; none or - for standard output."
        )

    def handle(self, *args: Any, path: str | None, **options: Any) -> None:
        with open_output(self, path) as file:
            count = write_ticket_types(file)
        if options["verbosity"]:
            messages = self.stderr if to_stdout(path) else self.stdout
            where = "standard output" if to_stdout(path) else path
            messages.write(
                f"Exported {count} ticket types to {where}.", self.style.SUCCESS
            )
