from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from customers.models import Customer

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

    def with_status(self, status: str) -> TicketQuerySet:
        """``queue`` (open and pending), one status, or ``all``."""
        if status == "queue":
            return self.open()
        if status in Ticket.Status.values:
            return self.filter(status=status)
        return self


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

    objects = TicketQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

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
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The version lets a form notice that someone saved in between; saves of
        # bookkeeping fields only (update_fields without "version") keep it.
        fields = kwargs.get("update_fields")
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

    def set_status(self, status: str) -> None:
        """Set the status; closing stamps closed_at and reopening clears it."""
        self.status = status
        if status in self.DONE_STATUSES:
            self.closed_at = self.closed_at or timezone.now()
        else:
            self.closed_at = None


class TicketCommentQuerySet(models.QuerySet):
    def public(self) -> TicketCommentQuerySet:
        """What the customer and the agents said to each other (no notes)."""
        return self.exclude(kind=TicketComment.Kind.NOTE)

    def for_customer(self, customer: object) -> TicketCommentQuerySet:
        return self.filter(ticket__customer=customer)

    def with_message_ids(self, ids: list[str]) -> TicketCommentQuerySet:
        """Messages with these Message-IDs, through the partial unique index: the
        query must repeat the index's condition or SQLite scans the table."""
        return self.exclude(message_id="").filter(message_id__in=ids)


class TicketComment(models.Model):
    """One entry of a ticket's conversation: an internal note, a reply sent to
    the customer by email, or a message received from them."""

    class Kind(models.TextChoices):
        NOTE = "note", "Internal note"
        REPLY = "reply", "Reply to customer"
        INBOUND = "inbound", "Message from customer"

    class SendState(models.TextChoices):
        NONE = "", "Not sent by email"
        QUEUED = "queued", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.NOTE)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Email: who it came from / went to, and how it threads.
    from_address = models.CharField(max_length=254, blank=True)
    to_address = models.CharField(max_length=254, blank=True)
    message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The email's Message-ID (without < >); unique when set.",
    )
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True, help_text="Message-IDs, one per line.")
    automatic = models.CharField(
        max_length=100,
        blank=True,
        help_text="Why an inbound message was judged automatic (auto-reply, "
        "bounce); such messages never reopen a ticket or notify anyone.",
    )
    # Sending a reply (see tickets.outbound for the states and why).
    send_state = models.CharField(
        max_length=10, choices=SendState, default=SendState.NONE, blank=True
    )
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.TextField(blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )

    objects = TicketCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "comment"
        permissions = [("reply_ticketcomment", "Can reply to customers by email")]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~models.Q(message_id=""),
                name="ticketcomment_message_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["note", "reply", "inbound"]),
                name="ticketcomment_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="comment_ticket_idx"),
            models.Index(fields=["created_at"], name="comment_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id} by {self.author}"

    @property
    def is_note(self) -> bool:
        return self.kind == self.Kind.NOTE

    @property
    def can_send_again(self) -> bool:
        """A reply that failed, or whose sender stopped midway (see outbound)."""
        return self.kind == self.Kind.REPLY and (
            self.send_state == self.SendState.FAILED or self.is_stalled
        )

    @property
    def is_stalled(self) -> bool:
        """Claimed for sending long ago and never finished: a worker died."""
        if self.send_state != self.SendState.SENDING or not self.send_started_at:
            return False
        limit = timedelta(seconds=settings.EMAIL_SEND_STALLED_AFTER)
        return timezone.now() - self.send_started_at > limit

    def reference_ids(self) -> list[str]:
        return [line for line in self.references.splitlines() if line]


# Models kept in their own modules; imported here so Django registers them.
from tickets.attachments import Attachment  # noqa: E402
from tickets.canned import CannedReply  # noqa: E402
from tickets.inbound_models import HeldEmail  # noqa: E402
from tickets.notifications import Notification, NotificationSettings  # noqa: E402

__all__ = [
    "Attachment",
    "CannedReply",
    "HeldEmail",
    "Notification",
    "NotificationSettings",
    "Ticket",
    "TicketComment",
    "TicketType",
]
