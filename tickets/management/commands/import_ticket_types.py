from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customer_flow.lib.command_files import open_input
from customer_flow.lib.command_reports import show_report
from customer_flow.lib.command_users import add_user_argument, user_from
from tickets.importing import import_ticket_types


class Command(BaseCommand):
    help = (
        'Import ticket types from ticket_types.json ({"1": "Technical Issue", ...}). '
        "A new key creates a type, a known key renames it; keys missing from the "
        "file are left alone unless --deactivate-missing. A file with an error "
        "writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The JSON file, or - for standard input.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Deactivate the types whose key is not in the file.",
        )
        add_user_argument(parser)

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        user = user_from(options)
        with open_input(path) as file:
            report = import_ticket_types(
                file,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
                user=user,
            )
        show_report(self, report, verbosity=options["verbosity"])
