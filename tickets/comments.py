"""The conversation's entries: internal notes, replies and customers' messages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


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
        "tickets.Ticket", on_delete=models.CASCADE, related_name="comments"
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
