"""In-app notifications (the bell) and their emails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import ngettext


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_user(self, user: object) -> NotificationQuerySet:
        return self.filter(recipient=user)


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", "mentioned you"
        ASSIGNED = "assigned", "assigned you"
        CUSTOMER_REPLY = "customer_reply", "customer replied"
        SEND_FAILED = "send_failed", "a reply could not be sent"

    class EmailState(models.TextChoices):
        NONE = "", "No email"
        QUEUED = "queued", "Email waiting"
        SENDING = "sending", "Email being sent"
        SENT = "sent", "Email sent"
        FAILED = "failed", "Email not sent"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_unread_idx leads with it
    )
    kind = models.CharField(max_length=20, choices=Kind)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a bulk change's one notification.",
    )
    bulk_change = models.ForeignKey(
        "tickets.BulkChange",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for tickets assigned in bulk: one notification for them all.",
    )
    comment = models.ForeignKey(
        "tickets.TicketComment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=10, choices=EmailState, default=EmailState.NONE, blank=True
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False)
                | models.Q(bulk_change__isnull=False),
                name="notification_ticket_or_bulk_change",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "read_at"], name="notification_unread_idx"
            ),
            models.Index(
                fields=["recipient", "-created_at"], name="notification_list_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.subject}"

    def get_absolute_url(self) -> str:
        if self.ticket is None:
            # Tickets assigned in bulk: the person's queue, latest changes first.
            return f"{reverse('tickets:list')}?assignee=me&sort=updated"
        url = self.ticket.get_absolute_url()
        return f"{url}#comment-{self.comment_id}" if self.comment_id else url

    @property
    def subject(self) -> str:
        """What it is about: the ticket's subject, or the bulk change."""
        if self.ticket is not None:
            return self.ticket.subject
        return f"Bulk change #{self.bulk_change_id}"

    @property
    def text(self) -> str:
        who = self.actor.get_username() if self.actor else "Someone"
        if self.bulk_change is not None:
            count = self.bulk_change.changed
            return ngettext(
                "%(who)s assigned %(count)s ticket to you",
                "%(who)s assigned %(count)s tickets to you",
                count,
            ) % {"who": who, "count": f"{count:,}"}
        number = f"#{self.ticket_id}"
        texts: dict[str, str] = {
            self.Kind.MENTION.value: f"{who} mentioned you on {number}",
            self.Kind.ASSIGNED.value: f"{who} assigned {number} to you",
            self.Kind.CUSTOMER_REPLY.value: f"The customer replied on {number}",
            self.Kind.SEND_FAILED.value: f"A reply on {number} could not be sent",
        }
        return texts.get(self.kind, f"Update on {number}")


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    email_enabled = models.BooleanField(
        "Email me my notifications",
        default=True,
        help_text="The bell in the header shows them either way.",
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"

    @classmethod
    def wants_email(cls, user: object) -> bool:
        row = cls.objects.filter(user=user).only("email_enabled").first()
        return True if row is None else row.email_enabled
