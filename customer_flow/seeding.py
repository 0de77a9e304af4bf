"""Demo data: the first-run set-up of ``make run`` and realistic data in bulk.

``set_up_demo`` loads fixtures/ into an empty database through the importers and
creates a demo login (``setup_demo``). ``seed`` adds a million customers in
seconds, not minutes (``seed_demo``): rows go in through the bulk writer (COPY on
PostgreSQL), like the importer's, so nothing here runs model ``save()``: no
history rows unless asked for, and derived values (search keys) are computed by
the database's expression indexes.
"""

from __future__ import annotations

import json
import random
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import ngettext

from customer_flow.conversation_seeding import seed_messages, sla_columns, sla_targets
from customer_flow.lib.bulk_sql import deferred_indexes, insert_rows
from customer_flow.lib.history_rows import Copied, insert_history_rows
from customers import derived_tables
from customers.importing import import_customers
from customers.models import Customer
from customers.search_keys import KEY_FIELDS, keys_of
from tickets import search
from tickets.importing import import_ticket_types
from tickets.models import Ticket, TicketType

FIRST_NAMES = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
    "Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven "
    "Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian "
    "Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
    "Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas Shirley Eric Anna "
    "Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon "
    "Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel "
    "Frank Carolyn Patrick Janet Raymond Catherine Jack Maria Dennis Heather Jerry "
    "Diane Tyler Ruth Aaron Julie José Zoë Renée Björn Søren Chloé Łukasz Müge Aoife "
    "Siobhán Mateo Sofía Ana Luís Noémie François Jürgen Ingrid Kenji Yuki Priya Arjun"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
    "Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee "
    "Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young "
    "Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez "
    "Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez Müller "
    "Schäfer Nørgaard Østergaard Dubois Lefèvre O'Brien O'Connor Kowalski Nowak "
    "Yamamoto Tanaka Singh Sharma Okafor Mensah Novák Dvořák Andersson Nieminen"
).split()
DOMAINS = (
    "example.com example.org example.net mail.example.com shop.example "
    "corp.example.co.uk example.de example.fr"
).split()
SUBJECTS = (
    "Cannot sign in",
    "Invoice shows the wrong amount",
    "Refund not received",
    "App crashes on start",
    "Change of address",
    "Password reset email never arrives",
    "Charged twice",
    "Question about my plan",
    "Export to spreadsheet fails",
    "Delivery is late",
    "Cancel my subscription",
    "Feature request: dark mode",
    "Two-factor code not accepted",
    "Upgrade to the annual plan",
    "Data looks out of date",
)


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


@dataclass(frozen=True)
class SeedReport:
    customers: int
    tickets: int
    seconds: float

    def summary(self) -> str:
        customers = ngettext(
            "%(count)s customer", "%(count)s customers", self.customers
        ) % {"count": f"{self.customers:,}"}
        tickets = ngettext("%(count)s ticket", "%(count)s tickets", self.tickets) % {
            "count": f"{self.tickets:,}"
        }
        return f"Seeded {customers} and {tickets} in {self.seconds:.1f} s."


def seed(
    *,
    customers: int,
    tickets: int,
    messages: int = 0,
    history: bool = False,
    seed: int = 1,
) -> SeedReport:
    """Add ``customers`` customers, ``tickets`` tickets and ``messages``
    conversation messages in bulk."""
    started = time.perf_counter()
    with search.bulk_loading():
        customer_ids, ticket_count = _seed_rows(
            customers, tickets, messages, history, seed
        )
    _analyze()
    return SeedReport(
        customers=len(customer_ids) if customers else 0,
        tickets=ticket_count,
        seconds=time.perf_counter() - started,
    )


def _seed_rows(
    customers: int, tickets: int, messages: int, history: bool, seed: int
) -> tuple[list[int], int]:
    rng = random.Random(seed)
    now = timezone.now()
    many = customers > 50_000
    # Without the customer indexes the triggers of customers.derived_tables
    # would scan: they pause, and their tables are rebuilt after.
    with (
        transaction.atomic(),
        derived_tables.paused() if many else nullcontext(),
        deferred_indexes(Customer) if many else nullcontext(),
    ):
        customer_ids = seed_customers(customers, rng=rng, now=now, history=history)
        if tickets and not customer_ids:
            customer_ids = list(Customer.objects.values_list("pk", flat=True))
        ticket_count = seed_tickets(
            tickets, customer_ids=customer_ids, rng=rng, now=now, history=history
        )
    # Outside the transaction above: each chunk of messages commits on its own
    # (SQLite's per-statement savepoints of the search triggers grow costly
    # inside one huge transaction).
    authors: list[int | None] = list(
        get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)
    ) or [None]
    seed_messages(messages, rng=rng, now=now, stamp=_stamper(), authors=authors)
    return customer_ids, ticket_count


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Fresh statistics let the query planner pick the search indexes.
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE tickets_ticket")
            cursor.execute("ANALYZE tickets_ticketcomment")


CUSTOMER_COLUMNS = [
    "id",
    "name",
    "email",
    "phone",
    "created_at",
    "updated_at",
    "archived_at",
    "version",
    *KEY_FIELDS,
]
TICKET_COLUMNS = [
    "id",
    "customer_id",
    "ticket_type_id",
    "subject",
    "description",
    "status",
    "priority",
    "assignee_id",
    "opened_by_id",
    "created_at",
    "updated_at",
    "closed_at",
    "version",
    "first_response_at",
    "waiting_since",
    "sla_started_at",
    "sla_paused_at",
    "first_response_due_at",
    "resolution_due_at",
    "due_at",
]


def seed_customers(
    count: int, *, rng: random.Random, now: datetime, history: bool
) -> list[int]:
    if not count:
        return []
    start = _next_id(Customer)
    ids = range(start, start + count)
    stamp = _stamper()
    span = 3 * 365 * 24 * 3600
    # Email-safe forms of the names, worked out once rather than per row.
    firsts = [(name, _email_part(name)) for name in FIRST_NAMES]
    lasts = [(name, _email_part(name)) for name in LAST_NAMES]
    random, choice = rng.random, rng.choice

    def rows() -> Iterator[tuple[Any, ...]]:
        for pk in ids:
            (first, first_email), (last, last_email) = choice(firsts), choice(lasts)
            created = now - timedelta(seconds=span * (1 - (pk - start) / count))
            archived = stamp(created + timedelta(days=30)) if random() < 0.02 else None
            name = f"{first} {last}"
            email = f"{first_email}.{last_email}{pk}@{choice(DOMAINS)}"
            phone = _phone(rng)
            yield (
                pk,
                name,
                email,
                phone,
                stamp(created),
                stamp(created),
                archived,
                1,
                *keys_of(name, email, phone).values(),
            )

    insert_rows(Customer._meta.db_table, CUSTOMER_COLUMNS, rows(), model=Customer)
    if history:
        _copy_to_history(Customer, start)
    return list(ids)


def seed_tickets(
    count: int,
    *,
    customer_ids: Sequence[int],
    rng: random.Random,
    now: datetime,
    history: bool,
) -> int:
    if not count:
        return 0
    type_ids = _ticket_type_ids()
    assignees: list[int | None] = list(
        get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)
    ) or [None]
    start = _next_id(Ticket)
    stamp = _stamper()
    span = 2 * 365 * 24 * 3600
    targets = sla_targets()

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            # Tickets arrive at a steady rate; old ones are almost all done.
            age = timedelta(seconds=span * (1 - n / count))
            created = now - age
            status = _ticket_status(rng, recent=age < timedelta(days=14))
            closed = (
                stamp(created + timedelta(hours=rng.randint(1, 240)))
                if status in ("resolved", "closed")
                else None
            )
            priority = rng.choices((1, 2, 3, 4), weights=(20, 55, 20, 5))[0]
            yield (
                start + n,
                rng.choice(customer_ids),
                rng.choice(type_ids),
                rng.choice(SUBJECTS),
                "",
                status,
                priority,
                rng.choice(assignees) if rng.random() < 0.7 else None,
                None,
                stamp(created),
                closed or stamp(created),
                closed,
                1,
                *sla_columns(rng, created, status, targets.get(priority), stamp),
            )

    insert_rows(Ticket._meta.db_table, TICKET_COLUMNS, rows(), model=Ticket)
    if history:
        _copy_to_history(Ticket, start)
    return count


def _ticket_status(rng: random.Random, *, recent: bool) -> str:
    """Recent tickets are often open or pending; older ones almost all done."""
    roll = rng.random()
    if roll < (0.45 if recent else 0.03):
        return "open"
    if roll < (0.65 if recent else 0.05):
        return "pending"
    return "resolved" if rng.random() < 0.4 else "closed"


def _next_id(model: type[Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _ticket_type_ids() -> list[int]:
    if not TicketType.objects.exists():
        path = settings.BASE_DIR / "fixtures" / "ticket_types.json"
        with open(path, encoding="utf-8") as file:
            for code, name in json.load(file).items():
                TicketType.objects.create(code=code, name=name)
    return list(TicketType.objects.active().values_list("pk", flat=True))


def _copy_to_history(model: type[Customer] | type[Ticket], start: int) -> None:
    """One "created" history row per new row, copied by the database itself."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        insert_history_rows(
            cursor,
            model,
            source=f"{table} AS c WHERE c.id >= %s",
            params=[start],
            history_type="+",
            date=Copied("created_at"),
        )


def _stamper() -> Callable[[datetime], str]:
    """Format an aware UTC datetime as the database stores it, fast."""
    if connection.vendor == "sqlite":
        # Django keeps naive UTC text in SQLite.
        return lambda value: str(value.replace(tzinfo=None))
    return datetime.isoformat


def _email_part(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
    return ascii_name.decode().lower().replace("'", "")


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return ""
    n = rng.randrange(10**7)
    if roll < 0.5:
        return f"+1 ({rng.randint(200, 999)}) {n // 10**4:03d}-{n % 10**4:04d}"
    if roll < 0.7:
        return f"555-{n // 10**4:03d}-{n % 10**4:04d}"
    if roll < 0.85:
        return f"+44 20 {n // 10**4:04d} {n % 10**4:04d}"
    return f"+49 30 {n:07d} x{rng.randint(1, 999)}"
