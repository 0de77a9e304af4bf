"""Queue views: the built-in ones and those people save by name.

A view is a query string of the queue's filters and sort (``assignee=me&sort=due``),
so every view is a link, and opening one is opening the queue with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.functions import Lower
from django.http import QueryDict
from django.urls import reverse

from customer_flow.lib.paging import CAP

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tickets.queue import TicketQuerySet

# The queue's parameters a view keeps (TicketFilterForm's fields); others, such as
# the page number, are not part of a view.
VIEW_PARAMETERS = (
    "status",
    "ticket_type",
    "priority",
    "assignee",
    "customer",
    "sla",
    "q",
    "sort",
)


def normalized(params: QueryDict | dict[str, str]) -> str:
    """The view's query string: known, non-empty parameters in a fixed order."""
    query = QueryDict(mutable=True)
    for name in VIEW_PARAMETERS:
        value = params.get(name)
        if value:
            query[name] = str(value)
    return query.urlencode()


class SavedViewQuerySet(models.QuerySet["SavedView"]):
    def visible_to(self, user: User) -> SavedViewQuerySet:
        """The user's own views and the team's shared ones."""
        return self.filter(models.Q(owner=user) | models.Q(shared=True))


class SavedView(models.Model):
    name = models.CharField(max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    shared = models.BooleanField(
        default=False, help_text="Shared views are listed for the whole team."
    )
    query = models.CharField(
        max_length=500, help_text="The queue's filters and sort, as a query string."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["-shared", Lower("name"), "id"]  # type: ignore[list-item]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="savedview_owner_name_unique_ci",
                violation_error_message="You already have a view with this name.",
            ),
        ]
        permissions = [("share_savedview", "Can share queue views with the team")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('tickets:list')}?{self.query}"

    def may_change(self, user: User) -> bool:
        """Owners rename and delete their views; leads also the shared ones."""
        if self.owner_id == user.pk:
            return True
        return self.shared and user.has_perm("tickets.share_savedview")


@dataclass(frozen=True)
class BuiltIn:
    key: str
    name: str
    query: str

    def get_absolute_url(self) -> str:
        return f"{reverse('tickets:list')}?{self.query}"


BUILT_IN = [
    BuiltIn("mine", "My open", "assignee=me&sort=due"),
    BuiltIn("unassigned", "Unassigned", "assignee=none&sort=due"),
    BuiltIn("overdue", "Overdue", "sla=overdue&sort=due"),
    BuiltIn("soon", "Breaching soon", "sla=soon&sort=due"),
    BuiltIn("open", "All open", "sort=priority"),
    BuiltIn("recent", "Recently updated", "status=all&sort=updated"),
]


@dataclass(frozen=True)
class Counted:
    """A view (built-in or saved) with its live count, capped at ``CAP``."""

    view: BuiltIn | SavedView
    count: int
    capped: bool
    current: bool


def capped_counts(querysets: list[TicketQuerySet]) -> list[tuple[int, bool]]:
    """How many in each, up to ``CAP`` (index ranges, never the whole table), in
    one query whatever the number of views."""
    parts: list[str] = []
    params: list[Any] = []
    for tickets in querysets:
        try:
            sql, part_params = (
                tickets.order_by().values("pk")[: CAP + 1].query.sql_with_params()
            )
        except EmptyResultSet:  # e.g. a search that matched nothing
            sql, part_params = "SELECT 1 WHERE 1 = 0", ()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS view{len(parts)})")
        params += part_params
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        totals = cursor.fetchone()
    return [(min(total, CAP), total > CAP) for total in totals]
