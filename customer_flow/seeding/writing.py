"""What every seeded table shares: the next free ID, timestamps as the database
stores them, and "created" history rows copied by the database itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import connection
from django.db.models import Model

from customer_flow.lib.history_rows import Copied, insert_history_rows
from customers.models import Customer
from tickets.models import Ticket


def next_id(model: type[Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def copy_to_history(model: type[Customer] | type[Ticket], start: int) -> None:
    """One "created" history row per new row, copied by the database itself."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        insert_history_rows(
            cursor,
            model,
            source=f"{table} AS c WHERE c.id >= %s",
            params=[start],
            history_type="+",
            date=Copied("created_at"),
        )


def stamper() -> Callable[[datetime], str]:
    """Format an aware UTC datetime as the database stores it, fast."""
    if connection.vendor == "sqlite":
        # Django keeps naive UTC text in SQLite.
        return lambda value: str(value.replace(tzinfo=None))
    return datetime.isoformat
