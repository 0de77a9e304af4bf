"""Bulk actions on the customer list: one audited operation over many customers.

A selection is the IDs ticked on the page, or every customer matching the
search the page showed. Customers changed since the page was loaded are named
and left alone unless the person confirms them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from customer_flow.lib.history_rows import insert_history_rows
from customers.models import Customer, CustomerQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_CHUNK = 900  # below SQLite's oldest limit of 999 parameters


@dataclass(frozen=True)
class Selection:
    """What the person picked on the list page, and when they loaded it."""

    ids: list[int]
    everything: bool
    text: str
    status: str
    loaded_at: datetime | None

    def customers(self) -> CustomerQuerySet:
        customers = Customer.objects.with_status(self.status)
        if self.everything:
            return customers.search(self.text)
        return customers.filter(pk__in=self.ids)

    def changed_since_loaded(self) -> CustomerQuerySet:
        if self.loaded_at is None:
            return Customer.objects.none()
        return self.customers().filter(updated_at__gt=self.loaded_at)


@transaction.atomic
def customers_set_archived(
    *,
    customers: CustomerQuerySet,
    archived: bool,
    by: User | None,
    exclude: CustomerQuerySet | None = None,
) -> int:
    """Archive (or restore) ``customers`` in one transaction, with a history row
    per customer naming the bulk action; return how many changed."""
    targets = customers.active() if archived else customers.archived()
    if exclude is not None:
        targets = targets.exclude(pk__in=exclude.values("pk"))
    ids = list(targets.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    reason = f"Bulk {'archive' if archived else 'restore'} of {len(ids)}"
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            Customer.objects.filter(pk__in=chunk).update(
                archived_at=now if archived else None,
                updated_at=now,
                version=F("version") + 1,
            )
            marks = ", ".join(["%s"] * len(chunk))
            insert_history_rows(
                cursor,
                Customer,
                source=f"{table} AS c WHERE c.id IN ({marks}) ORDER BY c.id",
                params=chunk,
                history_type="~",
                date=now,
                reason=reason,
                user_id=by.pk if by else None,
            )
    return len(ids)
