"""The two tables the triggers keep, and the SQL that matches and counts the
active customers sharing a key (the triggers' and the recount's building block)."""

from __future__ import annotations

CUSTOMERS = "customers_customer"
NAMES = "customers_customername"
NAMES_FTS = "customers_customername_fts"
GROUPS = "customers_duplicategroup"
MIN_PHONE_DIGITS = 7  # as Customer.objects.duplicates_of


def _phone_match(phone: str) -> str:
    return f"c.phone_key = {phone}"


def _name_match(name: str, local: str) -> str:
    # The email range [local@, localA) is "the local part is ``local``" ('A'
    # follows '@'); keys compare by code point on both databases. The range
    # reads the unique email index (a row or two); "|| ''" keeps the planners
    # off the name index (thousands of namesakes).
    return (
        f"c.email_key >= {local} || '@' AND c.email_key < {local} || 'A' "
        f"AND c.name_key || '' = {name}"
    )


def _count(match: str) -> str:
    return (
        f"SELECT count(*) FROM {CUSTOMERS} AS c WHERE {match} AND c.archived_at IS NULL"
    )


def _phone_count(phone: str) -> str:
    return _count(_phone_match(phone))


def _name_count(name: str, local: str) -> str:
    return _count(_name_match(name, local))
