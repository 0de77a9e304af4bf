"""Inbound mail that could not go on a ticket by itself."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class HeldEmail(models.Model):
    """A message kept aside: from an unknown sender while new customers are not
    created automatically, or an automatic message (bounce, auto-reply) that
    threads to no ticket. Kept whole so staff can act on it later."""

    class Reason(models.TextChoices):
        NEEDS_CUSTOMER = "needs_customer", "Needs a customer"
        AUTOMATIC = "automatic", "Automatic message"

    reason = models.CharField(max_length=20, choices=Reason)
    message_id = models.CharField(max_length=255, unique=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    raw = models.FileField(upload_to="held-mail/%Y/%m/", max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "held email"
        indexes = [models.Index(fields=["reason", "resolved_at"], name="held_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.subject or self.from_address}"

    def mark_resolved(self) -> None:
        self.resolved_at = timezone.now()
        self.save(update_fields=["resolved_at"])
