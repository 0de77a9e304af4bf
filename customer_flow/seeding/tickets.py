"""Seeded tickets: a steady arrival rate over two years, old ones almost all
done, with SLA columns (``customer_flow.conversation_seeding``)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from customer_flow.conversation_seeding import sla_columns, sla_targets
from customer_flow.lib.bulk_sql import insert_rows
from customer_flow.seeding.writing import copy_to_history, next_id, stamper
from tickets.models import Ticket, TicketType

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
    start = next_id(Ticket)
    stamp = stamper()
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
        copy_to_history(Ticket, start)
    return count


def _ticket_status(rng: random.Random, *, recent: bool) -> str:
    """Recent tickets are often open or pending; older ones almost all done."""
    roll = rng.random()
    if roll < (0.45 if recent else 0.03):
        return "open"
    if roll < (0.65 if recent else 0.05):
        return "pending"
    return "resolved" if rng.random() < 0.4 else "closed"


def _ticket_type_ids() -> list[int]:
    if not TicketType.objects.exists():
        path = settings.BASE_DIR / "fixtures" / "ticket_types.json"
        with open(path, encoding="utf-8") as file:
            for code, name in json.load(file).items():
                TicketType.objects.create(code=code, name=name)
    return list(TicketType.objects.active().values_list("pk", flat=True))
