"""The first run of ``make run`` (setup_demo): the sample data of fixtures/ and
a demo login."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from customers.importing import import_customers
from customers.models import Customer
from tickets.importing import import_ticket_types
from tickets.models import TicketType


class SampleDataInvalid(Exception):
    """fixtures/ holds a file the importers refuse; the message lists why."""


@dataclass(frozen=True)
class DemoSetUp:
    loaded_sample_data: bool
    demo_password: str | None  # set when the demo login was created


def set_up_demo() -> DemoSetUp:
    """First run of ``make run``: load fixtures/ into an empty database and, with
    DEBUG on and no user yet, create a demo superuser with a random password."""
    loaded = not Customer.objects.exists() and not TicketType.objects.exists()
    if loaded:
        load_sample_data(settings.BASE_DIR / "fixtures")
    password = None
    if settings.DEBUG and not get_user_model().objects.exists():
        password = create_demo_login()
    return DemoSetUp(loaded_sample_data=loaded, demo_password=password)


@transaction.atomic
def load_sample_data(fixtures: Path) -> None:
    """fixtures/ticket_types.json and fixtures/id.csv, through the same importers
    as import_ticket_types and import_customers."""
    types = import_ticket_types((fixtures / "ticket_types.json").read_bytes())
    customers = import_customers(
        (fixtures / "id.csv").read_bytes(), file_name="fixtures/id.csv"
    )
    for refused, errors in [
        (types.refused, types.errors),
        (customers.refused, customers.errors),
    ]:
        if refused:
            listed = "; ".join(str(error) for error in errors)
            raise SampleDataInvalid(f"The sample data is invalid: {listed}")


def create_demo_login() -> str:
    """A superuser ``demo`` in both support groups; returns its password."""
    password = secrets.token_urlsafe(12)
    user = get_user_model().objects.create_superuser(
        "demo", "demo@example.com", password
    )
    user.groups.set(Group.objects.filter(name__in=["Support staff", "Support leads"]))
    return password
