"""``seed``: customers, tickets and messages in bulk, in one run (seed_demo)."""

from __future__ import annotations

import random
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from customer_flow.conversation_seeding import seed_messages
from customer_flow.lib.bulk_sql import deferred_indexes
from customer_flow.seeding.customers import seed_customers
from customer_flow.seeding.tickets import seed_tickets
from customer_flow.seeding.writing import stamper
from customers import derived_tables
from customers.models import Customer
from tickets import search


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
    seed_messages(messages, rng=rng, now=now, stamp=stamper(), authors=authors)
    return customer_ids, ticket_count


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Fresh statistics let the query planner pick the search indexes.
            cursor.execute("ANALYZE")
        else:
            # VACUUM too (outside a transaction only): the visibility map lets
            # the counts read their indexes alone, as after autovacuum; without
            # it the dashboard's count read the table (131 ms, 1M tickets).
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for table in (
                "customers_customer",
                "tickets_ticket",
                "tickets_ticketcomment",
            ):
                cursor.execute(f"{command} {table}")
