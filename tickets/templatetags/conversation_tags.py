"""Showing conversation text: escaped, line breaks kept, @mentions linked."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html, linebreaks
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from customer_flow.lib.mentions import split_mentions
from tickets.models import TicketComment

register = template.Library()


@register.filter
def message_body(comment: TicketComment) -> SafeString:
    """The body as paragraphs; on notes, mentions of real users become links to
    their tickets. Everything written by a person is escaped."""
    if comment.kind != TicketComment.Kind.NOTE:
        return mark_safe(linebreaks(escape(comment.body)))
    users = {u.get_username(): u for u in comment.mentions.all()}
    parts = []
    for kind, text in split_mentions(comment.body):
        user = users.get(text) if kind == "mention" else None
        if user is None:
            parts.append(escape(f"@{text}" if kind == "mention" else text))
        else:
            query = urlencode({"assignee": str(user.pk), "status": "all"})
            url = f"{reverse('tickets:list')}?{query}"
            parts.append(format_html('<a class="mention" href="{}">@{}</a>', url, text))
    return mark_safe(linebreaks("".join(parts)))


@register.inclusion_tag("tickets/_customer_conversation.html", takes_context=True)
def customer_conversation(context: template.Context, customer: object) -> dict:
    """The newest messages with a customer, for the customer's page."""
    comments = (
        TicketComment.objects.for_customer(customer)
        .select_related("author", "ticket")
        .prefetch_related("attachments", "mentions")
        .order_by("-created_at", "-id")[:5]
    )
    return {"customer": customer, "comments": comments, "perms": context.get("perms")}
