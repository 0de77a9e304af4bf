from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from customer_flow.lib.command_files import open_input
from tickets.importing import import_ticket_types


class Command(BaseCommand):
    help = (
        'Import ticket types from ticket_types.json ({"1": "Technical Issue", ...}). '
        "A new key creates a type, a known key renames it; keys missing from the "
        "file are left alone unless --deactivate-missing. A file with an error "
        "writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The JSON file, or - for standard input.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Deactivate the types whose key is not in the file.",
        )

    def handle(self, *args, **options) -> None:
        with open_input(options["path"]) as file:
            report = import_ticket_types(
                file,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
            )
        if options["verbosity"]:
            for error in report.errors:
                self.stderr.write(str(error))
        if report.refused:
            raise CommandError(
                f"File refused: {len(report.errors)} errors; nothing was written."
            )
        if options["verbosity"]:
            self.stdout.write(report.summary(), self.style.SUCCESS)
