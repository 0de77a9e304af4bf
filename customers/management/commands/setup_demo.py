from __future__ import annotations

import csv
import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from customer_flow.sequences import reset_id_sequences
from customers.forms import CustomerForm
from customers.models import Customer
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
        with open(fixtures / "ticket_types.json", encoding="utf-8") as file:
            for code, name in json.load(file).items():
                TicketType.objects.create(code=code, name=name)
        with open(fixtures / "id.csv", encoding="utf-8-sig", newline="") as file:
            for row in csv.DictReader(file):
                form = CustomerForm(
                    {"name": row["Name"], "email": row["Email"], "phone": row["Phone"]}
                )
                form.instance.id = int(row["ID"])
                form.save()
        reset_id_sequences(Customer)
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
