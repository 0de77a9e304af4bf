"""The figures of the home page, each read through an index.

Only open tickets (a partial index) and the last 30 days of tickets (the
created_at index) are aggregated, never the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from customers.models import Customer
from tickets.models import Ticket, TicketType

DAYS = 30
# Chart geometry in SVG user units; the SVG scales to the page width.
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 14


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    total: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def open_by_status() -> list[tuple[str, int]]:
    # By status, not open(): two ranges of ticket_queue_idx, read from the index.
    counts = dict(
        Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [(label, counts.get(value, 0)) for value, label in _open_choices()]


def open_by_type() -> list[tuple[TicketType, int]]:
    counts = dict(
        Ticket.objects.open()
        .order_by()
        .values_list("ticket_type")
        .annotate(n=Count("pk"))
    )
    types = TicketType.objects.filter(pk__in=counts)
    return sorted(((t, counts[t.pk]) for t in types), key=lambda item: -item[1])


def opened_per_day(today: date | None = None) -> Chart:
    """Tickets opened on each of the last ``DAYS`` days (local time), as bars.

    One query of ``DAYS`` index range counts, one per local day, so days follow the
    configured time zone on every database and no row is read, only index entries.
    (Grouping by a truncated date would call a function on every row; on SQLite
    Django's is written in Python.)
    """
    today = today or timezone.localdate()
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    starts = [_start_of(day) for day in days] + [_start_of(today + timedelta(days=1))]
    quote = connection.ops.quote_name
    count = (
        f"(SELECT COUNT(*) FROM {quote(Ticket._meta.db_table)} "
        f"WHERE {quote('created_at')} >= %s AND {quote('created_at')} < %s)"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = []
    for start, end in zip(starts, starts[1:], strict=False):
        params += [adapt(start), adapt(end)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([count] * DAYS), params)
        values = list(cursor.fetchone())
    peak = max(values, default=0)
    slot = CHART_WIDTH / DAYS
    bars = []
    for n, (day, count) in enumerate(zip(days, values, strict=True)):
        height = (CHART_HEIGHT - CHART_TOP) * count / peak if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(n * slot + 2, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(slot - 4, 1),
                height=round(height, 1),
            )
        )
    return Chart(bars=bars, peak=peak, total=sum(values))


def my_open_tickets(user: object, limit: int = 10) -> QuerySet:
    return (
        Ticket.objects.open()
        .filter(assignee=user)
        .select_related("customer", "ticket_type")[:limit]
    )


def newest_customers(limit: int = 5) -> QuerySet:
    return Customer.objects.order_by("-created_at", "-id")[:limit]


def _open_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in Ticket.OPEN_STATUSES]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
