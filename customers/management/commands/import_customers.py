from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customer_flow.lib.command_users import add_user_argument
from customers.commands import DELIMITERS, import_file
from customers.importing import MATCHING_RULE


class Command(BaseCommand):
    help = (
        "Import customers from an id.csv file (columns ID, Name, Email and optional "
        f"Phone, in any order and case). {MATCHING_RULE} All or nothing: a file with "
        "an invalid row writes nothing, unless --skip-invalid. Each import is "
        "recorded as a batch (see import_batches) that revert_import undoes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file, or - for standard input.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid rows and report the others.",
        )
        parser.add_argument(
            "--report",
            metavar="FILE",
            help="Write the rejected rows as CSV (their columns plus line and error).",
        )
        parser.add_argument(
            "--encoding",
            help="The file's encoding (default: UTF-8 with or without BOM, or "
            "UTF-16 by its BOM), e.g. cp1252.",
        )
        parser.add_argument(
            "--delimiter",
            choices=list(DELIMITERS),
            metavar="{,|;|tab}",
            help="Default: recognised from the header line.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import a file again although an applied batch has the same "
            "SHA-256 (normally refused when it would write anything).",
        )
        parser.add_argument(
            "--columns",
            metavar='"ID=Customer ID,Name=Full name,..."',
            help="Which of the file's columns holds each field, for files from "
            "other systems (leave out ID= when it has none).",
        )
        add_user_argument(parser)

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        import_file(self, path, options)
