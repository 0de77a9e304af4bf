"""Saved replies that leads keep and agents insert into the reply box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from customer_flow.lib import placeholders

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

    from tickets.models import Ticket

PLACEHOLDERS = {
    "customer.name": "the customer's name",
    "customer.first_name": "the customer's first name",
    "customer.email": "the customer's email",
    "ticket.number": "the ticket number",
    "ticket.subject": "the ticket's subject",
    "agent.name": "your name",
}


def validate_placeholders(text: str) -> None:
    found = placeholders.problems(text, set(PLACEHOLDERS))
    if found:
        raise ValidationError(found)


class CannedReply(models.Model):
    title = models.CharField(max_length=100, help_text="Unique ignoring case.")
    body = models.TextField(
        validators=[validate_placeholders],
        help_text="Plain text. Placeholders: "
        + ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        + ".",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("title").asc(), "id"]
        verbose_name = "saved reply"
        verbose_name_plural = "saved replies"
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="cannedreply_title_unique_ci",
                violation_error_message="A saved reply with this title already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def render(self, *, ticket: Ticket, agent: AbstractUser) -> str:
        """The body with the placeholders filled in, as plain text."""
        customer = ticket.customer
        agent_name = agent.get_full_name() or agent.get_username()
        values = {
            "customer.name": customer.name,
            "customer.first_name": customer.name.split()[0] if customer.name else "",
            "customer.email": customer.email,
            "ticket.number": str(ticket.pk),
            "ticket.subject": ticket.subject,
            "agent.name": agent_name,
        }
        return placeholders.render(self.body, values)
