"""Demo conversation state in bulk: messages (replies, notes, customers' mail)
and each seeded ticket's first response, waiting time and SLA due times.

Written with raw SQL like the rest of the seed data (no model saves); the
search index of the messages (tickets.search) follows by itself (SQLite's
triggers, PostgreSQL's expression indexes).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from customer_flow.lib.bulk_sql import insert_rows
from tickets.models import SlaPolicy, Ticket, TicketComment

# Words of the messages: common ones, product words, and some with accents so
# the accent-insensitive search has something to find.
WORDS = (
    "the printer invoice refund order account password delivery parcel screen "
    "battery charger warranty replacement subscription payment card bank transfer "
    "address label courier tracking number update error message crash login email "
    "phone tablet laptop router modem cable signal outage network speed slow fast "
    "broken working again still today yesterday tomorrow please thanks help soon "
    "café résumé naïve façade crème brûlée jalapeño über señor déjà vu "
    "urgent manager receipt discount coupon voucher store branch weekend morning"
).split()
KINDS = ("inbound", "inbound", "reply", "reply", "note")
COLUMNS = [
    "ticket_id",
    "author_id",
    "kind",
    "body",
    "created_at",
    "from_address",
    "to_address",
    "message_id",
    "in_reply_to",
    "references",
    "automatic",
    "send_state",
    "send_attempts",
    "send_error",
]


def seed_messages(
    count: int,
    *,
    rng: random.Random,
    now: datetime,
    stamp: Any,
    authors: list[int | None],
) -> int:
    """Add ``count`` messages spread over the existing tickets."""
    if not count:
        return 0
    first = Ticket.objects.order_by("pk").values_list("pk", flat=True).first()
    last = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    if first is None or last is None:
        return 0
    span = 2 * 365 * 24 * 3600

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(count):
            kind = rng.choice(KINDS)
            words = rng.choices(WORDS, k=rng.randint(8, 40))
            created = now - timedelta(seconds=span * (1 - n / count))
            yield (
                rng.randint(first, last),
                None if kind == "inbound" else rng.choice(authors),
                kind,
                " ".join(words).capitalize() + f". Ref {n}.",
                stamp(created),
                "customer@example.com" if kind == "inbound" else "",
                "customer@example.com" if kind == "reply" else "",
                "",
                "",
                "",
                "",
                "sent" if kind == "reply" else "",
                1 if kind == "reply" else 0,
                "",
            )

    insert_rows(TicketComment._meta.db_table, COLUMNS, rows(), model=TicketComment)
    return count


def sla_targets() -> dict[int, tuple[timedelta, timedelta]]:
    return {
        p.priority: (p.first_response, p.resolution) for p in SlaPolicy.objects.all()
    }


def sla_columns(
    rng: random.Random,
    created: datetime,
    status: str,
    targets: tuple[timedelta, timedelta] | None,
    stamp: Callable[[datetime], str],
) -> tuple[str | None, ...]:
    """First response, waiting since, the SLA clock and due times, as
    tickets.sla keeps them: done and most pending tickets were answered."""
    done = status in ("resolved", "closed")
    answered = done or status == "pending" or rng.random() < 0.4
    first_response = created + timedelta(minutes=rng.randint(5, 600))
    first_due, resolution_due = (
        (created + targets[0], created + targets[1]) if targets else (None, None)
    )
    due = None if done else (resolution_due if answered else first_due)
    return (
        stamp(first_response) if answered else None,
        None if answered else stamp(created),
        stamp(created),
        stamp(first_response) if status == "pending" else None,
        stamp(first_due) if first_due else None,
        stamp(resolution_due) if resolution_due else None,
        stamp(due) if due else None,
    )
