from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customer_flow import seeding


class Command(BaseCommand):
    help = (
        "Add realistic demo customers and tickets in bulk (raw SQL, no model saves). "
        "Seed rows get no change history unless --history is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=1000)
        parser.add_argument("--tickets", type=int, default=200)
        parser.add_argument(
            "--messages", type=int, default=0, help="Conversation messages."
        )
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also write a 'created' history row for every seeded row.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if min(options["customers"], options["tickets"], options["messages"]) < 0:
            raise CommandError(
                "--customers, --tickets and --messages must be 0 or more."
            )
        report = seeding.seed(
            customers=options["customers"],
            tickets=options["tickets"],
            messages=options["messages"],
            history=options["history"],
            seed=options["seed"],
        )
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(report.summary()))
