from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customer_flow.lib.command_users import add_user_argument, user_from
from customers.importing import RevertRefused, revert_import
from customers.models import ImportBatch


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

    def handle(self, *args: Any, batch: int, force: bool, **options: Any) -> None:
        user = user_from(options)
        found = ImportBatch.objects.filter(pk=batch).first()
        if found is None:
            raise CommandError(f"There is no import batch #{batch}.")
        try:
            report = revert_import(batch=found, user=user, force=force)
        except RevertRefused as refused:
            raise CommandError(refused.exit_message()) from None
        if options["verbosity"]:
            for conflict in report.overridden:
                self.stderr.write(f"Overwrote later changes of customer {conflict}.")
            self.stdout.write(report.summary(), self.style.SUCCESS)
