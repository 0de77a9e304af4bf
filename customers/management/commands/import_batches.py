from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.models import ImportBatch


class Command(BaseCommand):
    help = (
        "List customer import batches, newest first: ID, when, who, file, counts "
        "and status. Undo one with revert_import ID."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=20, help="How many (default 20; 0: all)."
        )

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        batches = ImportBatch.objects.select_related("created_by")
        listed = list(batches[:limit] if limit > 0 else batches)
        for batch in listed:
            self.stdout.write(batch.one_line())
        if not listed and options["verbosity"]:
            self.stderr.write("No import batches yet.")
