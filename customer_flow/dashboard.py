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
# Chart geometry in SVG user units; the SVG keeps its proportions as it scales to
# the page width, so its text stays readable on a phone (about 12 px at 360 px).
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 420, 180, 26
CHART_LEFT = 36  # room for the count axis's labels


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    total: int
    ticks: list[Tick]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    top: int = CHART_TOP


def open_by_status() -> list[tuple[str, int, str]]:
    """(label, count, the queue's query string) for open and pending."""
    # By status, not open(): two ranges of ticket_queue_idx, read from the index.
    counts = dict(
        Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [
        (label, counts.get(value, 0), f"status={value}")
        for value, label in _open_choices()
    ]


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
    return _chart(days, values)


def _chart(days: list[date], values: list[int]) -> Chart:
    peak = max(values, default=0)
    slot = (CHART_WIDTH - CHART_LEFT) / DAYS
    room = CHART_HEIGHT - CHART_TOP
    bars = []
    for n, (day, count) in enumerate(zip(days, values, strict=True)):
        height = room * count / peak if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(CHART_LEFT + n * slot + 1, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(slot - 2, 1),
                height=round(height, 1),
            )
        )
    # The count axis: 0, the middle (when it is a whole number apart) and the peak.
    marks = sorted({0, peak // 2, peak}) if peak else [0]
    ticks = [
        Tick(value, round(CHART_HEIGHT - (room * value / peak if peak else 0), 1))
        for value in marks
    ]
    return Chart(bars=bars, peak=peak, total=sum(values), ticks=ticks)


def open_per_agent() -> list[tuple[object, int]]:
    """Open tickets per assignee (unassigned as None), most first: for leads.

    Read from the partial index on (assignee, ...) of open tickets."""
    from django.contrib.auth import get_user_model

    counts = dict(
        Ticket.objects.open().order_by().values_list("assignee").annotate(n=Count("pk"))
    )
    people = get_user_model().objects.in_bulk([pk for pk in counts if pk])
    rows = [(people.get(pk) if pk else None, n) for pk, n in counts.items()]
    return sorted(rows, key=lambda row: -row[1])


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
