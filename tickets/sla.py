"""Service-level targets: how soon a ticket of each priority gets its first
response and its resolution, in calendar hours (business hours are not yet
supported).

A ticket's clock starts when it is opened and stops while it is pending on the
customer: ``sla_started_at`` moves forward by every pause, so each due time is
simply that start plus the target, and changing the priority recomputes both.
``due_at`` is the next unmet target (the first response, then the resolution),
kept on the row so the queue can sort and filter by it through an index.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone

if TYPE_CHECKING:
    from tickets.models import Ticket

HOURS = [MinValueValidator(1), MaxValueValidator(24 * 365)]


class SlaPolicy(models.Model):
    """The targets for one priority (defaults shipped in a migration)."""

    priority = models.PositiveSmallIntegerField(
        unique=True,
        choices=[(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")],
    )
    first_response_hours = models.PositiveIntegerField(
        validators=HOURS, help_text="Calendar hours from opening to the first reply."
    )
    resolution_hours = models.PositiveIntegerField(
        validators=HOURS, help_text="Calendar hours from opening to resolving."
    )

    class Meta:
        ordering = ["-priority"]
        verbose_name = "SLA target"
        verbose_name_plural = "SLA targets"

    def __str__(self) -> str:
        return (
            f"{self.get_priority_display()}: first response in "
            f"{self.first_response_hours} h, resolution in {self.resolution_hours} h"
        )

    @property
    def first_response(self) -> timedelta:
        return timedelta(hours=self.first_response_hours)

    @property
    def resolution(self) -> timedelta:
        return timedelta(hours=self.resolution_hours)


def breaching_window() -> timedelta:
    """How close to its due time a ticket counts as "breaching soon"."""
    return timedelta(minutes=settings.SLA_BREACHING_SOON_MINUTES)


def refresh(ticket: Ticket, now: datetime | None = None) -> None:
    """Bring the ticket's clock and due times in step with its status and priority."""
    now = now or timezone.now()
    if ticket.sla_started_at is None:
        ticket.sla_started_at = ticket.created_at or now
    paused = ticket.status == "pending"
    if paused and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    elif not paused and ticket.sla_paused_at is not None:
        ticket.sla_started_at += now - ticket.sla_paused_at
        ticket.sla_paused_at = None
    policy = SlaPolicy.objects.filter(priority=ticket.priority).first()
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
    else:
        ticket.first_response_due_at = ticket.sla_started_at + policy.first_response
        ticket.resolution_due_at = ticket.sla_started_at + policy.resolution
    ticket.due_at = next_due(ticket)


def next_due(ticket: Ticket) -> datetime | None:
    """The first response while none was sent, then the resolution; none once done."""
    if ticket.closed_at is not None:
        return None
    if ticket.first_response_at is None:
        return ticket.first_response_due_at
    return ticket.resolution_due_at


def state(ticket: Ticket, now: datetime | None = None) -> str:
    """``paused``, ``overdue``, ``soon`` (breaching soon), ``ok`` or "" (no target)."""
    if ticket.due_at is None:
        return ""
    if ticket.sla_paused_at is not None:
        return "paused"
    now = now or timezone.now()
    if ticket.due_at <= now:
        return "overdue"
    if ticket.due_at <= now + breaching_window():
        return "soon"
    return "ok"


def due_times_at(priority: int) -> dict[str, Any]:
    """The due-time columns of open or done tickets moved to ``priority``, as SQL
    expressions: a bulk priority change writes them in its one UPDATE."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is None:
        return dict.fromkeys(
            ("first_response_due_at", "resolution_due_at", "due_at"), None
        )
    first = F("sla_started_at") + policy.first_response
    resolution = F("sla_started_at") + policy.resolution
    return {
        "first_response_due_at": first,
        "resolution_due_at": resolution,
        "due_at": Case(
            When(closed_at__isnull=False, then=Value(None)),
            When(first_response_at__isnull=True, then=first),
            default=resolution,
            output_field=models.DateTimeField(),
        ),
    }


def refresh_due_times(tickets: models.QuerySet[Ticket]) -> int:
    """Recompute the due times of ``tickets`` in SQL, one update per priority (for
    a changed target or a bulk priority change): no row is loaded."""
    changed = 0
    for policy in SlaPolicy.objects.all():
        changed += tickets.filter(priority=policy.priority).update(
            first_response_due_at=F("sla_started_at") + policy.first_response,
            resolution_due_at=F("sla_started_at") + policy.resolution,
        )
    tickets.filter(closed_at__isnull=False).update(due_at=None)
    tickets.filter(closed_at__isnull=True).update(
        due_at=Case(
            When(first_response_at__isnull=True, then=F("first_response_due_at")),
            default=F("resolution_due_at"),
        )
    )
    return changed
