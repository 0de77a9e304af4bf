"""The stored keys of a customer that search and identity read.

Folding Unicode (accents, case, ø → o) is beyond SQLite's SQL, so the keys are
columns worked out in Python from the name, email and phone, and every writer
keeps them in step: ``Customer.save`` (the form, the admin, the services), the
importer's writing step (``key_columns`` for a batch of rows) and the undo of an
import (``refresh_keys``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection

from customer_flow.lib.folding import (
    email_identity,
    email_identity_column,
    fold,
    fold_column,
    phone_digits,
    phone_digits_column,
)

# name_key: the whole name folded; name_tail_key: from its second word;
# name_last_key: its last word when it has three or more (with two, the tail is
# the last word). email_key: the address's identity (unique); email_domain_key:
# its domain; phone_key: the digits; phone_rev_key: the digits reversed, so the
# last digits are a prefix too.
KEY_FIELDS = (
    "name_key",
    "name_tail_key",
    "name_last_key",
    "email_key",
    "email_domain_key",
    "phone_key",
    "phone_rev_key",
)

if TYPE_CHECKING:  # pyarrow is loaded by the importer only, when used
    import pyarrow as pa


def keys_of(name: str, email: str, phone: str) -> dict[str, str]:
    """The keys of one customer's values."""
    name_key = fold(name)
    words = name_key.split(" ")
    email_key = email_identity(email)
    digits = phone_digits(phone)
    return {
        "name_key": name_key,
        "name_tail_key": name_key.partition(" ")[2],
        "name_last_key": words[-1] if len(words) > 2 else "",
        "email_key": email_key,
        "email_domain_key": email_key.rpartition("@")[2],
        "phone_key": digits,
        "phone_rev_key": digits[::-1],
    }


def key_columns(
    names: pa.Array | pa.ChunkedArray,
    emails: pa.Array | pa.ChunkedArray,
    phones: pa.Array | pa.ChunkedArray,
) -> dict[str, pa.Array]:
    """``keys_of`` for a batch of rows, as pyarrow columns (the importer's)."""
    import pyarrow.compute as pc

    name_key = fold_column(names)
    email_key = email_identity_column(emails)
    digits = phone_digits_column(phones)
    three_words = pc.match_substring_regex(name_key, "^[^ ]+ [^ ]+ ")
    last_word = pc.replace_substring_regex(name_key, "^.* ", "")
    return {
        "name_key": name_key,
        "name_tail_key": pc.replace_substring_regex(name_key, "^[^ ]*( |$)", ""),
        "name_last_key": pc.if_else(pc.fill_null(three_words, False), last_word, ""),
        "email_key": email_key,
        "email_domain_key": pc.replace_substring_regex(email_key, "^.*@", ""),
        "phone_key": digits,
        "phone_rev_key": pc.utf8_reverse(digits),
    }


def refresh_keys(ids: Iterable[int], *, chunk: int = 2000) -> None:
    """Work the keys out again for these customers, from their stored values
    (after SQL that wrote name, email or phone directly: the undo of an import)."""
    from customers.models import Customer

    table = connection.ops.quote_name(Customer._meta.db_table)
    assignments = ", ".join(f"{field} = %s" for field in KEY_FIELDS)
    pending = list(ids)
    for start in range(0, len(pending), chunk):
        rows = Customer.objects.filter(pk__in=pending[start : start + chunk])
        updates: list[list[str | int]] = [
            [*keys_of(name, email, phone).values(), pk]
            for pk, name, email, phone in rows.values_list(
                "pk", "name", "email", "phone"
            )
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s", updates
            )
