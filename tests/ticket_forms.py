"""What the ticket page's Update form posts, as a person who just loaded it."""

from __future__ import annotations

from typing import Any

from tickets.forms import TicketChangeForm
from tickets.models import Ticket


def change_data(ticket: Ticket, **overrides: Any) -> dict[str, Any]:
    """The form's fields as loaded now from the saved ticket, with ``overrides``."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    form = TicketChangeForm(instance=fresh)
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(overrides)
    return data
