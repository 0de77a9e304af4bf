from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tickets import sla
from tickets.queue import TicketQuerySet

validate_type_code = RegexValidator(
    r"^[1-9][0-9]{0,8}\Z",
    "A ticket type code is a whole number such as 4, as in ticket_types.json.",
)


class TicketTypeQuerySet(models.QuerySet["TicketType"]):
    def active(self) -> TicketTypeQuerySet:
        return self.filter(active=True)


class TicketType(models.Model):
    code = models.CharField(
        max_length=9,
        unique=True,
        validators=[validate_type_code],
        help_text='The key in ticket_types.json, e.g. "1".',
    )
    name = models.CharField(max_length=100, help_text="Unique ignoring case.")
    active = models.BooleanField(
        default=True, help_text="Inactive types cannot be chosen for new tickets."
    )

    objects = TicketTypeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        # Codes are digit strings without leading zeros: by length, then text, is
        # numeric order ("2" before "10").
        # (django-stubs types ordering as names only; Django takes expressions.)
        ordering = [Length("code"), "code"]  # type: ignore[list-item]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tickettype_name_unique_ci",
                violation_error_message="A ticket type with this name already exists.",
            ),
        ]
        permissions = [
            ("import_tickettype", "Can import ticket types"),
            ("export_tickettype", "Can export ticket types"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Composed (NFC), so the case-insensitive unique name sees é typed as
        # e + ◌́ as the same é, as the importer does.
        self.name = unicodedata.normalize("NFC", self.name)
        super().save(*args, **kwargs)


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.IntegerChoices):
        # Stored as numbers so "most urgent first" is an index order.
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    OPEN_STATUSES = (Status.OPEN, Status.PENDING)
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
    # Changed from the ticket page and by bulk actions (attribute names).
    EDITABLE = ("status", "priority", "assignee_id", "ticket_type_id")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # ticket_customer_idx leads with it
    )
    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name="type",
    )
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(
        choices=Priority, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        db_index=False,  # ticket_assignee_idx leads with it
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opened_tickets",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when resolved or closed."
    )
    first_response_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the first public reply was sent to the customer (for SLAs).",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised on every save by a person; a stale save is merged.",
    )
    waiting_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the customer's latest unanswered message came (or the "
        "ticket was opened); cleared by a reply.",
    )
    # SLA (see tickets.sla): the clock's start, moved on by every pause.
    sla_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set while pending."
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The next unmet SLA target; empty once resolved.",
    )

    objects = TicketQuerySet.as_manager()
    # Bookkeeping that follows from other fields is not history.
    history = HistoricalRecords(
        excluded_fields=[
            "version",
            "waiting_since",
            "sla_started_at",
            "sla_paused_at",
            "first_response_due_at",
            "resolution_due_at",
            "due_at",
        ]
    )

    class Meta:
        ordering = ["-priority", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["open", "pending", "resolved", "closed"]
                ),
                name="ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=[1, 2, 3, 4]),
                name="ticket_priority_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["resolved", "closed"], closed_at__isnull=False)
                    | models.Q(status__in=["open", "pending"], closed_at__isnull=True)
                ),
                name="ticket_closed_at_matches_status",
                violation_error_message="Resolved and closed tickets, and only they, "
                "have a closing time.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-priority", "created_at"], name="ticket_queue_idx"
            ),
            # The queue: open and pending (not closed) tickets, most urgent then
            # oldest first, read in index order; and the same per type.
            models.Index(
                fields=["-priority", "created_at"],
                name="ticket_open_queue_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            models.Index(
                fields=["ticket_type", "-priority", "created_at"],
                name="ticket_open_type_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            models.Index(
                fields=["assignee", "-priority", "created_at"],
                name="ticket_open_assignee_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            # The queue with any status.
            models.Index(fields=["-priority", "created_at"], name="ticket_age_idx"),
            models.Index(fields=["customer", "status"], name="ticket_customer_idx"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
            # The queue's other orders, open tickets only (see tickets.queue).
            *[
                models.Index(
                    fields=[field, "id"],
                    name=f"ticket_open_{field.split('_')[0]}_idx",
                    condition=models.Q(closed_at__isnull=True),
                )
                for field in ("updated_at", "created_at", "due_at", "waiting_since")
            ],
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            # The open queue by status, customer and assignee (tickets.queue.SORTS).
            models.Index(
                fields=["status", "-priority", "created_at", "id"],
                name="ticket_open_status_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            *[
                models.Index(
                    fields=[field, "id"],
                    name=f"ticket_open_{field}_id_idx",
                    condition=models.Q(closed_at__isnull=True),
                )
                for field in ("customer", "assignee")
            ],
            # My open and Unassigned: one person's (or nobody's) tickets by due time.
            models.Index(
                fields=["assignee", "due_at", "id"],
                name="ticket_open_assignee_due_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
            # Overdue and Breaching soon (TicketQuerySet.overdue, breaching_soon):
            # their count reads the index alone and stops at the cap. Through
            # ticket_open_due_idx PostgreSQL read every open ticket past due
            # and filtered the paused ones out on the table (13 ms at 1M).
            models.Index(
                fields=["due_at", "id"],
                name="ticket_running_due_idx",
                condition=models.Q(closed_at__isnull=True, sla_paused_at__isnull=True),
            ),
            # The dashboard's counts (TicketQuerySet.count_open), index only.
            models.Index(
                fields=["status", "ticket_type", "assignee"],
                name="ticket_open_counts_idx",
                condition=models.Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The version lets a form notice that someone saved in between; saves of
        # bookkeeping fields only (update_fields without "version") keep it.
        fields = kwargs.get("update_fields")
        if fields is None:
            if self._state.adding:
                self.waiting_since = self.waiting_since or timezone.now()
            sla.refresh(self)
        if not self._state.adding and (fields is None or "version" in fields):
            self.version += 1
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def editable_values(self) -> dict[str, Any]:
        """What staff change on the ticket page, as a stale save merges it."""
        return {name: getattr(self, name) for name in self.EDITABLE}

    def change(self, **values: Any) -> None:
        """Change some of ``EDITABLE``; closed_at follows status."""
        if "status" in values:
            self.set_status(values.pop("status"))
        for name, value in values.items():
            setattr(self, name, value)
        self.save()

    @property
    def sla_state(self) -> str:
        return sla.state(self)

    def record_reply(self, sent_at: datetime) -> None:
        """A public reply went out: the first one stops the first-response clock,
        and the customer is no longer waiting. Bookkeeping: the version stays."""
        if self.first_response_at is None:
            self.first_response_at = sent_at
        self.waiting_since = None
        self.due_at = sla.next_due(self)
        self.save(update_fields=["first_response_at", "waiting_since", "due_at"])

    def record_customer_message(self, received_at: datetime) -> None:
        """The customer wrote: they wait from their oldest unanswered message."""
        if self.waiting_since is None:
            self.waiting_since = received_at
            self.save(update_fields=["waiting_since"])

    def set_status(self, status: str) -> None:
        """Set the status; closing stamps closed_at and reopening clears it."""
        self.status = status
        if status in self.DONE_STATUSES:
            self.closed_at = self.closed_at or timezone.now()
        else:
            self.closed_at = None


# Models kept in their own modules; imported here so Django registers them.
from tickets.attachments import Attachment  # noqa: E402
from tickets.bulk import BulkChange  # noqa: E402
from tickets.canned import CannedReply  # noqa: E402
from tickets.comments import TicketComment  # noqa: E402
from tickets.inbound_models import HeldEmail  # noqa: E402
from tickets.notifications import Notification, NotificationSettings  # noqa: E402
from tickets.saved_views import SavedView  # noqa: E402
from tickets.sla import SlaPolicy  # noqa: E402

__all__ = [
    "Attachment",
    "BulkChange",
    "CannedReply",
    "HeldEmail",
    "Notification",
    "NotificationSettings",
    "SavedView",
    "SlaPolicy",
    "Ticket",
    "TicketComment",
    "TicketType",
]
