"""Likely duplicates: the groups of the duplicates page, and the existing
customers that new rows of an import preview look like.

A duplicate is the same phone digits, or the same folded name with the same email
local part (``Customer.objects.duplicates_of``); the same email is one customer
already (the database refuses a second). The groups are kept by the database
(``customers.derived_tables``), so a page of them is a read of a small table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from customers.derived_tables import MIN_PHONE_DIGITS
from customers.models import Customer, DuplicateGroup
from customers.search import prefix
from customers.search_keys import keys_of

MAX_SHOWN = 10  # customers shown (and offered to merge) per group
MAX_CANDIDATES = 500  # existing customers read for a page of import rows


@dataclass
class Group:
    group: DuplicateGroup
    customers: list[Customer] = field(default_factory=list)


def _members(group: DuplicateGroup) -> Q:
    if group.kind == DuplicateGroup.Kind.PHONE:
        return Q(phone_key=group.value)
    name, _, local = group.value.rpartition(" ")
    return Q(name_key=name) & prefix("email_key", f"{local}@")


def with_customers(groups: Iterable[DuplicateGroup]) -> list[Group]:
    """The groups of one page, each with its first ``MAX_SHOWN`` customers."""
    found = [Group(group) for group in groups]
    if not found:
        return found
    condition = Q(pk__in=[])
    for item in found:
        condition |= _members(item.group)
    customers = Customer.objects.active().filter(condition).order_by("id")
    for customer in customers[: len(found) * MAX_SHOWN * 4]:
        for item in found:
            if len(item.customers) < MAX_SHOWN and _belongs(customer, item.group):
                item.customers.append(customer)
    return found


def _belongs(customer: Customer, group: DuplicateGroup) -> bool:
    if group.kind == DuplicateGroup.Kind.PHONE:
        return customer.phone_key == group.value
    local = customer.email_key.rpartition("@")[0]
    return f"{customer.name_key} {local}" == group.value


def look_alikes(
    rows: Iterable[tuple[str, str, str]],
) -> list[list[Customer]]:
    """For each (name, email, phone), the active customers it looks like: the
    same email, the same phone digits, or the same folded name with the same
    email local part. One query for all the rows together (a page of them)."""
    keys = [keys_of(name, email, phone) for name, email, phone in rows]
    if not keys:
        return []
    condition = Q(email_key__in={k["email_key"] for k in keys if k["email_key"]})
    phones = {k["phone_key"] for k in keys if len(k["phone_key"]) >= MIN_PHONE_DIGITS}
    condition |= Q(phone_key__in=phones)
    for key in keys:
        local = key["email_key"].rpartition("@")[0]
        if key["name_key"] and local:
            condition |= Q(name_key=key["name_key"]) & prefix("email_key", f"{local}@")
    candidates = list(
        Customer.objects.active().filter(condition).order_by("id")[:MAX_CANDIDATES]
    )
    return [[c for c in candidates if _looks_like(c, key)] for key in keys]


def _looks_like(customer: Customer, key: dict[str, str]) -> bool:
    if customer.email_key == key["email_key"]:
        return True
    phone = key["phone_key"]
    if len(phone) >= MIN_PHONE_DIGITS and customer.phone_key == phone:
        return True
    local = key["email_key"].rpartition("@")[0]
    return bool(key["name_key"]) and (
        f"{customer.name_key} {customer.email_key.rpartition('@')[0]}"
        == f"{key['name_key']} {local}"
    )
