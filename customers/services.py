"""Customer workflows beyond one row's method: edits without lost updates."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import Customer

EDITABLE_FIELDS = ("name", "email", "phone")


class EditConflict(Exception):
    """Someone saved the customer after the editor loaded it."""

    def __init__(self, current: Customer) -> None:
        super().__init__(f"customer {current.pk} is at version {current.version}")
        self.current = current


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    data: Mapping[str, object],
    expected_version: int,
    user: AbstractBaseUser | None,
) -> Customer:
    """Save ``data`` onto ``customer`` unless it changed since ``expected_version``.

    The row is locked while the version is compared and written (SELECT ... FOR
    UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the
    write lock), so of two concurrent saves from the same version one is refused.
    """
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if current.version != expected_version:
        raise EditConflict(current)
    for field in EDITABLE_FIELDS:
        setattr(current, field, data[field])
    # django-simple-history's documented way to name the author of the history row.
    current._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError:
        # Another customer took the email between the form's check and this save.
        raise ValidationError(
            {"email": "A customer with this email already exists."}
        ) from None
    return current
