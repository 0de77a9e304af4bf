"""Bulk actions on the queue: one audited operation over many tickets.

Everything is written with set-based SQL (an UPDATE per chunk of ids, the SLA
due times recomputed in SQL, one ``INSERT ... SELECT`` of history rows), so ten
thousand tickets take seconds, not ten thousand saves. Each changed ticket gets
a history row naming the person and "Bulk change #N"; tickets that already had
the value are left alone, and so are tickets changed since the person loaded the
view, unless they confirmed those too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customer_flow.lib.history_rows import insert_history_rows
from tickets import sla

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tickets.models import Ticket

CHUNK = 2000  # ids per statement: well inside SQLite's limit on parameters
ACTIONS = {
    "assign": "Assign to",
    "status": "Set status to",
    "priority": "Set priority to",
    "type": "Set type to",
    "note": "Add note",
}
FIELDS = {
    "assign": "assignee_id",
    "status": "status",
    "priority": "priority",
    "type": "ticket_type_id",
}


class BulkChange(models.Model):
    """The record of one bulk action: who, when, what, on how many tickets."""

    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=list(ACTIONS.items()))
    value = models.CharField(max_length=200, help_text="What was set, as shown.")
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(
        default=0, help_text="Selected tickets that already had the value."
    )
    skipped = models.PositiveIntegerField(
        default=0, help_text="Changed by someone after the view was loaded."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Bulk change #{self.pk}: {self.get_action_display()} {self.value}"


@dataclass(frozen=True)
class Selection:
    """The tickets to change, and those changed since the view was loaded."""

    ids: list[int]
    changed_since: list[int]


def select(ids: Sequence[int], *, loaded_at: datetime | None) -> Selection:
    from tickets.models import Ticket

    changed: list[int] = []
    if loaded_at is not None:
        for chunk in _chunks(list(ids)):
            changed += Ticket.objects.filter(
                pk__in=chunk, updated_at__gt=loaded_at
            ).values_list("pk", flat=True)
    return Selection(list(ids), sorted(changed))


@transaction.atomic
def bulk_apply(
    *,
    selection: Selection,
    action: str,
    value: Any,
    shown: str,
    user: User,
    include_changed: bool = False,
) -> BulkChange:
    """Apply ``action`` with ``value`` to the selection as one operation."""
    skip = set() if include_changed else set(selection.changed_since)
    ids = [pk for pk in selection.ids if pk not in skip]
    operation = BulkChange.objects.create(
        user=user, action=action, value=shown[:200], skipped=len(skip)
    )
    now = timezone.now()
    changed = 0
    for chunk in _chunks(ids):
        if action == "note":
            changed += _add_notes(chunk, str(value), user)
        else:
            changed += _update(chunk, FIELDS[action], value, now, user, operation)
    operation.changed = changed
    operation.unchanged = len(ids) - changed
    operation.save(update_fields=["changed", "unchanged"])
    if action == "assign":
        from tickets import conversation

        # As a single assignment does, but one notification for all the tickets.
        conversation.tickets_assigned_in_bulk(
            operation=operation, assignee_id=value, by=user
        )
    return operation


def _update(
    chunk: list[int],
    field: str,
    value: Any,
    now: datetime,
    user: User,
    operation: BulkChange,
) -> int:
    from tickets.models import Ticket

    todo = list(
        Ticket.objects.filter(pk__in=chunk)
        .exclude(**{field: value})
        .values_list("pk", flat=True)
    )
    if not todo:
        return 0
    tickets = Ticket.objects.filter(pk__in=todo)
    changes: dict[str, Any] = {field: value}
    if field == "status":
        _set_status(tickets, value, now)
        sla.refresh_due_times(tickets)
    else:
        if field == "priority":
            # The due times follow in the same UPDATE: each statement writes a
            # new version of every row and of its index entries.
            changes.update(sla.due_times_at(value))
        tickets.update(**changes, updated_at=now, version=F("version") + 1)
    table = connection.ops.quote_name(Ticket._meta.db_table)
    marks = ", ".join(["%s"] * len(todo))
    with connection.cursor() as cursor:
        insert_history_rows(
            cursor,
            Ticket,
            source=f"{table} AS c WHERE c.id IN ({marks})",
            params=todo,
            history_type="~",
            date=now,
            reason=f"Bulk change #{operation.pk}",
            user_id=user.pk,
        )
    return len(todo)


def _set_status(tickets: models.QuerySet[Ticket], status: str, now: datetime) -> None:
    """Status with what follows it: closed_at, and the SLA clock's pause."""
    done = status in ("resolved", "closed")
    stamp = Value(now, output_field=models.DateTimeField())
    if status != "pending":
        # Resume paused clocks: the pause does not count against the targets.
        tickets.filter(sla_paused_at__isnull=False).update(
            sla_started_at=F("sla_started_at") + (stamp - F("sla_paused_at")),
            sla_paused_at=None,
        )
    tickets.update(
        status=status,
        closed_at=Coalesce(F("closed_at"), stamp) if done else None,
        sla_paused_at=Coalesce(F("sla_paused_at"), stamp)
        if status == "pending"
        else None,
        updated_at=now,
        version=F("version") + 1,
    )


def _add_notes(chunk: list[int], body: str, user: User) -> int:
    from tickets.models import Ticket, TicketComment

    TicketComment.objects.bulk_create(
        TicketComment(ticket_id=pk, author=user, kind="note", body=body) for pk in chunk
    )
    return Ticket.objects.filter(pk__in=chunk).update(updated_at=timezone.now())


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[n : n + CHUNK] for n in range(0, len(ids), CHUNK)]
