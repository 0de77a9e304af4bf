"""Ticket workflows beyond one row's method: saves that lose no colleague's change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from customer_flow.lib.three_way import Conflict, Merge, merge
from customer_flow.lib.users import display_name
from tickets.models import Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TicketConflict(Exception):
    """Someone changed the same field to something else since the form was loaded."""

    def __init__(self, current: Ticket, result: Merge) -> None:
        super().__init__(f"ticket {current.pk} conflicts on {result.conflicts}")
        self.current = current
        self.merge = result

    @property
    def conflicts(self) -> list[Conflict]:
        return self.merge.conflicts


@dataclass(frozen=True)
class LastChange:
    who: str
    when: datetime


@dataclass(frozen=True)
class TicketUpdate:
    """What a save did: the fields written, and the colleague's changes kept."""

    ticket: Ticket
    previous_assignee_id: int | None
    written: list[str] = field(default_factory=list)
    kept_theirs: list[str] = field(default_factory=list)
    stale: bool = False
    colleague: LastChange | None = None

    @property
    def unchanged(self) -> bool:
        return not self.written


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    seen: Mapping[str, Any],
    values: Mapping[str, Any],
    expected_version: int,
    user: User | None,
) -> TicketUpdate:
    """Save ``values`` onto ``ticket``, merged with any save since ``expected_version``.

    ``seen`` holds the values the person saw. Fields only a colleague changed keep
    the colleague's value; a field both changed differently raises TicketConflict
    and nothing is written; a save that changes nothing writes nothing. The row is
    locked while merging (FOR UPDATE on PostgreSQL, the IMMEDIATE transaction's
    write lock on SQLite), so two saves from one version merge one after the other.
    """
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    theirs = current.editable_values()
    stale = current.version != expected_version
    result = merge(seen if stale else theirs, values, theirs)
    if result.conflicts:
        raise TicketConflict(current, result)
    previous_assignee_id = current.assignee_id
    colleague = last_change(current) if stale else None
    to_write = result.to_write(theirs)
    if to_write:
        # django-simple-history's documented way to name the author of the row.
        current._history_user = user  # type: ignore[attr-defined]
        current.change(**to_write)
    return TicketUpdate(
        ticket=current,
        previous_assignee_id=previous_assignee_id,
        written=list(to_write),
        kept_theirs=result.theirs_changed if stale else [],
        stale=stale,
        colleague=colleague,
    )


def last_change(ticket: Ticket) -> LastChange | None:
    """Who saved the ticket last, and when (from its history)."""
    record = (
        ticket.history.select_related("history_user")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None:
        return None
    return LastChange(display_name(record.history_user), record.history_date)
