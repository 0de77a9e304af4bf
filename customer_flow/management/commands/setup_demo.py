from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from customer_flow import seeding


class Command(BaseCommand):
    help = (
        "First-run set-up for `make run`: load fixtures/ when the database is empty "
        "and, with DEBUG on, create a demo login if there is no user yet."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = seeding.set_up_demo()
        except seeding.SampleDataInvalid as error:
            raise CommandError(str(error)) from None
        if done.loaded_sample_data:
            self.stdout.write(
                self.style.SUCCESS("Loaded the sample data from fixtures/.")
            )
        if done.demo_password:
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo login (DEBUG only): username demo, "
                    f"password {done.demo_password}"
                )
            )
