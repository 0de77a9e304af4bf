from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customers.importing import import_customers
from customers.models import Customer
from tickets.importing import import_ticket_types
from tickets.models import TicketType


class Command(BaseCommand):
    help = (
        "First-run set-up for `make run`: load fixtures/ when the database is empty "
        "and, with DEBUG on, create a demo login if there is no user yet."
    )

    def handle(self, *args, **options) -> None:
        fixtures = settings.BASE_DIR / "fixtures"
        if not Customer.objects.exists() and not TicketType.objects.exists():
            self.load_sample_data(fixtures)
        if settings.DEBUG and not get_user_model().objects.exists():
            self.create_demo_login()

    @transaction.atomic
    def load_sample_data(self, fixtures) -> None:
        # The same importers as import_ticket_types and import_customers.
        reports = [
            import_ticket_types((fixtures / "ticket_types.json").read_bytes()),
            import_customers(
                (fixtures / "id.csv").read_bytes(), file_name="fixtures/id.csv"
            ),
        ]
        for report in reports:
            if report.refused:
                errors = "; ".join(str(error) for error in report.errors)
                raise CommandError(f"The sample data is invalid: {errors}")
        self.stdout.write(self.style.SUCCESS("Loaded the sample data from fixtures/."))

    def create_demo_login(self) -> None:
        password = secrets.token_urlsafe(12)
        user = get_user_model().objects.create_superuser(
            "demo", "demo@example.com", password
        )
        user.groups.set(
            Group.objects.filter(name__in=["Support staff", "Support leads"])
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login (DEBUG only): username demo, password {password}"
            )
        )
        self.stdout.write(
            "While DEBUG is on, demo may sign in without a second factor "
            "(TWO_FACTOR_DEBUG_EXEMPT); other superusers and Support leads set up "
            "an authenticator app at their first sign-in."
        )
