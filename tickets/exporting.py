"""Write ticket types out as ticket_types.json: ``{"1": "Technical Issue", ...}``."""

from __future__ import annotations

import json
from typing import IO

from django.db.models import QuerySet

from tickets.models import TicketType


def write_ticket_types(
    file: IO[str], ticket_types: QuerySet[TicketType] | None = None
) -> int:
    """Write the ticket types as the brief's JSON (keys in numeric order,
    indented, UTF-8) and return how many."""
    if ticket_types is None:
        ticket_types = TicketType.objects.all()
    # The model's ordering (by length, then text) is numeric order for codes.
    ordered = ticket_types.order_by(*(TicketType._meta.ordering or ()))
    mapping = dict(ordered.values_list("code", "name"))
    file.write(json.dumps(mapping, indent=2, ensure_ascii=False) + "\n")
    return len(mapping)
