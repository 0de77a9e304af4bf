from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.models import ImportBatch


class Command(BaseCommand):
    help = (
        "List customer import batches, newest first: ID, when, who, file, counts "
        "and status. Undo one with revert_import ID."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit", type=int, default=20, help="How many (default 20; 0: all)."
        )

    def handle(self, *args, **options) -> None:
        batches = ImportBatch.objects.select_related("created_by")
        if options["limit"] > 0:
            batches = batches[: options["limit"]]
        for batch in batches:
            when = timezone.localtime(batch.created_at)
            who = batch.created_by.get_username() if batch.created_by else "-"
            self.stdout.write(
                f"#{batch.pk}  {when:%Y-%m-%d %H:%M}  {who}  "
                f"{batch.file_name or '(no name)'}  {batch.created} created, "
                f"{batch.updated} updated, {batch.unchanged} unchanged, "
                f"{batch.invalid} invalid  {batch.get_status_display().lower()}"
            )
        if not batches and options["verbosity"]:
            self.stderr.write("No import batches yet.")
