"""Realistic demo data in bulk: a million customers in seconds, not minutes.

Rows go in with raw multi-row SQL (COPY on PostgreSQL), like the importer's bulk
path, so nothing here runs model ``save()``: no history rows unless asked for, and
derived values (search keys) are computed by the database's expression indexes.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from customer_flow.bulk import deferred_indexes
from customer_flow.sequences import reset_id_sequences
from customers.models import Customer
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
BATCH = 5000


def seed(
    *, customers: int, tickets: int, history: bool = False, seed: int = 1
) -> tuple[int, int]:
    """Add ``customers`` customers and ``tickets`` tickets; return both counts."""
    rng = random.Random(seed)
    now = timezone.now()
    many = customers > 50_000
    with transaction.atomic(), deferred_indexes(Customer) if many else nullcontext():
        customer_ids = seed_customers(customers, rng=rng, now=now, history=history)
        if tickets and not customer_ids:
            customer_ids = list(Customer.objects.values_list("pk", flat=True))
        ticket_count = seed_tickets(
            tickets, customer_ids=customer_ids, rng=rng, now=now, history=history
        )
        reset_id_sequences(Customer, Ticket)
    if connection.vendor == "sqlite":
        # Fresh statistics let the query planner pick the search indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE tickets_ticket")
    return len(customer_ids) if customers else 0, ticket_count


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

    def rows() -> Iterator[tuple]:
        for pk in ids:
            (first, first_email), (last, last_email) = choice(firsts), choice(lasts)
            created = now - timedelta(seconds=span * (1 - (pk - start) / count))
            archived = stamp(created + timedelta(days=30)) if random() < 0.02 else None
            yield (
                pk,
                f"{first} {last}",
                f"{first_email}.{last_email}{pk}@{choice(DOMAINS)}",
                _phone(rng),
                stamp(created),
                stamp(created),
                archived,
                1,
            )

    columns = [
        "id",
        "name",
        "email",
        "phone",
        "created_at",
        "updated_at",
        "archived_at",
        "version",
    ]
    _insert(Customer._meta.db_table, columns, rows())
    if history:
        _copy_to_history(Customer, columns[:-1], f"id >= {start}")
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

    def rows() -> Iterator[tuple]:
        for n in range(count):
            # Tickets arrive at a steady rate; old ones are almost all done.
            age = timedelta(seconds=span * (1 - n / count))
            created = now - age
            recent = age < timedelta(days=14)
            roll = rng.random()
            if roll < (0.45 if recent else 0.03):
                status = "open"
            elif roll < (0.65 if recent else 0.05):
                status = "pending"
            else:
                status = "resolved" if rng.random() < 0.4 else "closed"
            closed = (
                stamp(created + timedelta(hours=rng.randint(1, 240)))
                if status in ("resolved", "closed")
                else None
            )
            yield (
                start + n,
                rng.choice(customer_ids),
                rng.choice(type_ids),
                rng.choice(SUBJECTS),
                "",
                status,
                rng.choices((1, 2, 3, 4), weights=(20, 55, 20, 5))[0],
                rng.choice(assignees) if rng.random() < 0.7 else None,
                None,
                stamp(created),
                closed or stamp(created),
                closed,
            )

    columns = [
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
    ]
    _insert(Ticket._meta.db_table, columns, rows())
    if history:
        _copy_to_history(Ticket, columns, f"id >= {start}")
    return count


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


def _insert(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(sql, batch)


def _copy_to_history(
    model: type[Customer] | type[Ticket], columns: list[str], where: str
) -> None:
    """One "created" history row per new row, copied by the database itself."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = model._meta.db_table
    history_table = model.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history_table} ({names}, history_date, history_type) "
            f"SELECT {names}, created_at, '+' FROM {table} WHERE {where}"
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
