from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customer_flow.lib.command_users import add_user_argument
from customers.commands import revert_batch


class Command(BaseCommand):
    help = (
        "Undo import batch ID completely: customers it created are removed "
        "(archived if they have tickets), customers it updated get their previous "
        "values back. All or nothing, recorded in the change history. Refused if a "
        "customer changed after the import, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch", type=int, help="The batch ID (import_batches).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Revert even customers changed after the import, overwriting "
            "their later changes.",
        )
        add_user_argument(parser)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        revert_batch(self, batch, options)
