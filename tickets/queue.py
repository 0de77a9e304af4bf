"""The queue: which tickets, in which order (each order read through an index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.db import connections, models
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    Lower,
    NullIf,
    StrIndex,
    Trim,
)
from django.utils import timezone

from tickets import sla

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from customers.models import Customer
    from tickets.models import Ticket  # noqa: F401 (named in a string below)

OPEN_STATUSES = ("open", "pending")
_K = TypeVar("_K")

# The assignee's display name (customer_flow.lib.users.display_name) in SQL.
ASSIGNEE_NAME = Lower(
    Coalesce(
        NullIf(
            Trim(
                Concat(
                    "assignee__first_name",
                    models.Value(" "),
                    "assignee__last_name",
                    output_field=models.CharField(),
                )
            ),
            models.Value(""),
        ),
        "assignee__username",
    )
)

# Each order the queue offers, by the ?sort= key: the key sorts the way a person
# first wants it, "-key" the other way. Each is read in the order of an index
# (Ticket.Meta.indexes), so the first page of a million open tickets is a range.
SORTS: dict[str, tuple[str, list[str | models.OrderBy | Lower]]] = {
    "priority": ("Priority", ["-priority", "created_at", "id"]),
    "updated": ("Last update", ["-updated_at", "-id"]),
    "created": ("Opened", ["-created_at", "-id"]),
    "due": ("Due", ["due_at", "id"]),
    "waiting": ("Waiting since", ["waiting_since", "id"]),
    "status": ("Status", ["status", "-priority", "created_at", "id"]),
    # The customer list's name order (customers.search.ORDERINGS): customers are
    # read through customer_name_key_idx and each one's tickets through
    # ticket_open_customer_idx.
    "customer": (
        "Customer",
        [models.F("customer__name_key").asc(), "customer_id", "id"],
    ),
    # Read one index range per person (tickets.assignee_order); nobody last.
    "assignee": (
        "Assignee",
        [ASSIGNEE_NAME.asc(nulls_last=True), "assignee_id", "id"],
    ),
}
DEFAULT_SORT = "priority"
RELEVANCE = "relevance"  # a search's own order (tickets.search ranks)


def ordering(sort: str) -> list[str | models.OrderBy | Lower]:
    """The order_by() arguments of a ?sort= value (unknown: the default)."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT, DEFAULT_SORT
    fields = SORTS[key][1]
    if not sort.startswith("-"):
        return list(fields)
    return [_reverse(f) for f in fields]


def _reverse(field: str | models.OrderBy | Lower) -> str | models.OrderBy | Lower:
    if isinstance(field, str):
        return field[1:] if field.startswith("-") else "-" + field
    if isinstance(field, models.OrderBy):
        return models.OrderBy(
            field.expression,
            descending=not field.descending,
            nulls_first=True if field.nulls_last else None,
            nulls_last=True if field.nulls_first else None,
        )
    return field.desc()


@dataclass(frozen=True)
class OpenCounts:
    """Open and pending tickets per status, per type ID and per assignee ID
    (None: unassigned)."""

    by_status: dict[str, int]
    by_type: dict[int, int]
    by_assignee: dict[int | None, int]

    @staticmethod
    def most_first(totals: dict[_K, int]) -> list[tuple[_K, int]]:
        return sorted(totals.items(), key=lambda item: -item[1])


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        """Open and pending tickets.

        Written as "not closed": the check constraint ticket_closed_at_matches_status
        makes the two the same, and ``closed_at IS NULL`` is the condition of the
        partial queue indexes, which SQLite then uses with or without statistics
        (``status IN (...)`` would compete with ticket_queue_idx and need them).
        """
        return self.filter(closed_at__isnull=True)

    def for_customer(self, customer: Customer) -> TicketQuerySet:
        return self.filter(customer=customer)

    def order_by_open_first(self) -> TicketQuerySet:
        """Open and pending first, then the rest; newest first within each."""
        done = models.Case(models.When(closed_at__isnull=True, then=0), default=1)
        return self.alias(done=done).order_by("done", "-created_at", "-id")

    def for_assignee(self, assignee: str, user: User) -> TicketQuerySet:
        """``me``, ``none`` (unassigned) or a user's ID; anything else: everyone."""
        if assignee == "me":
            return self.filter(assignee=user)
        if assignee == "none":
            return self.filter(assignee__isnull=True)
        if assignee.isdigit():
            return self.filter(assignee_id=int(assignee))
        return self

    def overdue(self, now: datetime | None = None) -> TicketQuerySet:
        """Open tickets past their next SLA target (not those paused as pending)."""
        now = now or timezone.now()
        return self.open().filter(due_at__lt=now, sla_paused_at__isnull=True)

    def breaching_soon(self, now: datetime | None = None) -> TicketQuerySet:
        """Open tickets whose next SLA target falls within the breaching window."""
        now = now or timezone.now()
        return self.open().filter(
            due_at__gte=now,
            due_at__lt=now + sla.breaching_window(),
            sla_paused_at__isnull=True,
        )

    def with_sla(self, state: str) -> TicketQuerySet:
        """``overdue``, ``soon`` (breaching soon), anything else: all."""
        if state == "overdue":
            return self.overdue()
        if state == "soon":
            return self.breaching_soon()
        return self

    def search(self, text: str) -> TicketQuerySet:
        """``#1042``: that ticket. Words: tickets whose subject, description or
        messages contain them all (see tickets.search), best match first."""
        from tickets import search

        number = search.ticket_number(text)
        if number is not None:
            return self.filter(pk=number)
        ids = search.ranked_ids(text)
        if not ids:
            return self.none()
        # The rank is the id's place in ",7,3,9,": one small expression, where a
        # CASE of 200 branches cost ~8 ms to build for each query of the page.
        ranked = "," + ",".join(map(str, ids)) + ","
        rank = StrIndex(
            models.Value(ranked),
            Concat(
                models.Value(","), Cast("pk", models.CharField()), models.Value(",")
            ),
        )
        return self.filter(pk__in=ids).alias(search_rank=rank).order_by("search_rank")

    def sorted_by(self, sort: str) -> TicketQuerySet:
        return self.order_by(*ordering(sort))

    def with_status(self, status: str) -> TicketQuerySet:
        """``queue`` (open and pending), one status, or ``all``."""
        if status == "queue":
            return self.open()
        if status in ("open", "pending", "resolved", "closed"):
            return self.filter(status=status)
        return self

    # The dashboard's figures (djangoproject.com's MetricQuerySet.for_dashboard is
    # the model): each read through an index, never the whole table.

    def count_open(self) -> OpenCounts:
        """Open and pending tickets by status, by type and by assignee, in one
        query: a single index-only scan of ticket_open_counts_idx, which holds the
        three columns (grouping by each column apart read ~60k rows three times,
        from the table on PostgreSQL)."""
        rows = (
            self.open()
            .order_by()
            .values_list("status", "ticket_type", "assignee")
            .annotate(n=models.Count("*"))
        )
        counts = OpenCounts({}, {}, {})
        for status, ticket_type, assignee, n in rows:
            for key, totals in (
                (status, counts.by_status),
                (ticket_type, counts.by_type),
                (assignee, counts.by_assignee),
            ):
                totals[key] = totals.get(key, 0) + n
        return counts

    def opened_per_day(
        self, days: int = 30, today: date | None = None
    ) -> list[tuple[date, int]]:
        """Tickets opened on each of the last ``days`` local days, oldest first.

        One query of ``days`` index range counts, so days follow the configured
        time zone on every database and only index entries are read (grouping by
        a truncated date would call a function on every row).
        """
        today = today or timezone.localdate()
        dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
        bounds = [*dates, today + timedelta(days=1)]
        starts = [timezone.make_aware(datetime.combine(d, time.min)) for d in bounds]
        connection = connections[self.db]
        quote = connection.ops.quote_name
        count = (
            f"(SELECT COUNT(*) FROM {quote(self.model._meta.db_table)} "
            f"WHERE {quote('created_at')} >= %s AND {quote('created_at')} < %s)"
        )
        adapt = connection.ops.adapt_datetimefield_value
        params = []
        for start, end in zip(starts, starts[1:], strict=False):
            params += [adapt(start), adapt(end)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([count] * days), params)
            values = list(cursor.fetchone())
        return list(zip(dates, values, strict=True))
