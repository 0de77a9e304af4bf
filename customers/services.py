"""Customer workflows beyond one row's method: edits that never overwrite a
colleague (a field-level three-way merge of stale saves)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customer_flow.lib.three_way import Merge, merge
from customers.models import Customer

EDITABLE_FIELDS = ("name", "email", "phone")


class EditConflict(Exception):
    """Someone saved the customer after the editor loaded it, changing a field the
    editor changed too, to another value."""

    def __init__(self, current: Customer, result: Merge) -> None:
        super().__init__(f"customer {current.pk} is at version {current.version}")
        self.current = current
        self.result = result


@dataclass(frozen=True)
class CustomerUpdate:
    """What a save did: the fields written, and a colleague's changes it kept."""

    customer: Customer
    written: list[str] = field(default_factory=list)
    kept_theirs: list[str] = field(default_factory=list)


def editable_values(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in EDITABLE_FIELDS}


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    data: Mapping[str, object],
    expected_version: int,
    user: AbstractBaseUser | None,
    seen: Mapping[str, Any] | None = None,
) -> CustomerUpdate:
    """Save ``data`` onto ``customer``, merged with any save since
    ``expected_version``.

    ``seen`` holds the values the editor saw. When someone saved in between, a
    field only they changed keeps their value, a field only the editor changed
    takes the editor's, and a field both changed to different values raises
    ``EditConflict`` (nothing is written). Without ``seen``, every field that
    differs counts as changed by both. The row is locked while merging (SELECT
    ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already
    holds the write lock), so two saves from one version merge one after the other.
    """
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    theirs = editable_values(current)
    stale = current.version != expected_version
    mine = {name: data[name] for name in EDITABLE_FIELDS}
    result = merge((seen or {}) if stale else theirs, mine, theirs)
    if result.conflicts:
        raise EditConflict(current, result)
    to_write = result.to_write(theirs)
    if to_write:
        for name, value in to_write.items():
            setattr(current, name, value)
        # django-simple-history's documented way to name the author of the row.
        current._history_user = user  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            # Another customer took the email between the form's check and now.
            raise ValidationError(
                {"email": "A customer with this email already exists."}
            ) from None
    kept = result.theirs_changed if stale else []
    return CustomerUpdate(current, list(to_write), kept)
