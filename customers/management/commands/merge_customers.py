from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.merging import MergeRefused, merge_customers, parse_take, preview_merge


class Command(BaseCommand):
    help = (
        "Merge customers OTHER ... into KEEP: their tickets (and anything else "
        "pointing at them) move to KEEP, they stay archived and marked merged. "
        "Undo it on KEEP's page. KEEP's values are kept unless --take FIELD=ID."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("keep", type=int, help="The ID of the customer to keep.")
        parser.add_argument("others", type=int, nargs="+", help="IDs to merge in.")
        parser.add_argument("--take", action="append", default=[], metavar="F=ID")
        parser.add_argument("--dry-run", action="store_true", help="Only show.")
        parser.add_argument("--user", help="Username recorded as who merged.")

    def handle(self, *args: Any, keep: int, others: list[int], **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user {options['user']!r}.")
        try:
            take = parse_take(options["take"])
            if options["dry_run"]:
                for line in preview_merge(
                    survivor_id=keep, other_ids=others, take=take
                ):
                    self.stdout.write(line)
                return
            merge = merge_customers(
                survivor_id=keep, other_ids=others, take=take, by=user
            )
        except MergeRefused as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(f"{merge} (merge #{merge.pk}).", self.style.SUCCESS)
