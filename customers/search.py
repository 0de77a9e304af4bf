"""How the one customer search box reads what was typed.

A million customers rule out ``icontains`` (a full scan). Every kind of search here
is an exact match or a *prefix* match on an index, and each index is on an
expression the database computes itself, so rows written in bulk by the importer
are searchable without any extra column to fill in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, F, Func, Q
from django.db.models.functions import Collate, Lower

from customer_flow.lib.paging import CAP, CappedList

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import OrderBy
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

    from customers.models import CustomerQuerySet

# Characters a phone may contain besides digits (see validation.clean_phone).
_PHONE_PUNCTUATION = " ()-./+"
_PHONE_QUERY_RE = re.compile(r"^[0-9 ()\-./+]+$")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class PhoneDigits(Func):
    """The phone without punctuation: ``+1 (555) 010-2000`` becomes ``15550102000``.

    The replacements are literals in the SQL (not parameters) so the query
    expression is textually the one of the index and the planner uses it.
    """

    output_field = CharField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _AsSqlType:
        sql, params = compiler.compile(self.source_expressions[0])
        for char in _PHONE_PUNCTUATION:
            sql = f"REPLACE({sql}, '{char}', '')"
        return sql, params


class NameTail(Func):
    """The lower-cased name after its first word: "Ana María López" gives
    "maría lópez", so "lop" is found by the surname ("lópez") too."""

    output_field = CharField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _AsSqlType:
        sql, params = compiler.compile(self.source_expressions[0])
        position = "STRPOS" if connection.vendor == "postgresql" else "INSTR"
        return f"SUBSTR(LOWER({sql}), {position}({sql}, ' ') + 1)", params * 2


# The indexed keys the search reads: name, name after its first word, email, phone.
KEYS = {
    "name_key": Lower("name"),
    "name_tail_key": NameTail("name"),
    "email_key": Lower("email"),
    "phone_key": PhoneDigits("phone"),
}


def keys(vendor: str) -> dict[str, Func]:
    """The search keys as the database's search indexes spell them.

    A prefix is a range, [prefix, next string), which is exact only in code-point
    order. SQLite compares text that way; PostgreSQL compares in the database's
    collation, so there the keys (and their indexes, migration 0002) are in "C".
    """
    if vendor == "postgresql":
        return {name: Collate(key, "C") for name, key in KEYS.items()}
    return KEYS


# The sorts of the customer list: each is an index order (no sort of a million rows).
ORDERINGS = {
    "id": [F("id").asc()],
    "-id": [F("id").desc()],
    "name": [Lower("name").asc(), F("id").asc()],
    "-name": [Lower("name").desc(), F("id").desc()],
    "email": [Lower("email").asc()],
    "-email": [Lower("email").desc()],
    "phone": [PhoneDigits("phone").asc(), F("id").asc()],
    "-phone": [PhoneDigits("phone").desc(), F("id").desc()],
}


@dataclass(frozen=True)
class Query:
    """What the search text asks for: an ID, a phone prefix, an email or a name."""

    text: str
    customer_id: int | None = None
    phone_digits: str = ""
    email_prefix: str = ""
    name_prefix: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.text

    def branches(self) -> list[tuple[str, Q]]:
        """One (index key, condition) per kind of match; each is an index range."""
        found = []
        if self.customer_id is not None:
            found.append(("pk", Q(pk=self.customer_id)))
        if self.phone_digits:
            found.append(("phone_key", prefix("phone_key", self.phone_digits)))
        if self.email_prefix:
            found.append(("email_key", prefix("email_key", self.email_prefix)))
        if self.name_prefix:
            found.append(("name_key", prefix("name_key", self.name_prefix)))
            found.append(("name_tail_key", prefix("name_tail_key", self.name_prefix)))
        return found


def parse(text: str, *, vendor: str) -> Query:
    """Read the search box: digits are an ID or a phone, ``@`` an email, else a name.

    Words are matched from their start, ignoring case: "jo" finds "John Doe" and
    "jo@" finds "jo@example.com". ``vendor`` picks the lower-casing rule of the
    database (SQLite's ``LOWER`` only folds ASCII letters).
    """
    text = " ".join(text.split())
    if not text:
        return Query(text="")
    lowered = text.translate(_ASCII_LOWER) if vendor == "sqlite" else text.lower()
    if _PHONE_QUERY_RE.match(text) and any(ch.isdigit() for ch in text):
        digits = "".join(ch for ch in text if ch.isdigit())
        customer_id = int(digits) if text.isdigit() and len(digits) < 19 else None
        return Query(text=text, customer_id=customer_id, phone_digits=digits)
    if "@" in text:
        return Query(text=text, email_prefix=lowered)
    return Query(text=text, name_prefix=lowered, email_prefix=lowered)


def prefix(key: str, text: str) -> Q:
    """``key`` starts with ``text``, as a range the key's index answers in order.

    (SQLite never uses an index on an expression for LIKE, and PostgreSQL could
    not return LIKE matches in index order for the cap.)
    """
    condition = Q(**{f"{key}__gte": text})
    upper = prefix_upper_bound(text)
    if upper is not None:
        condition &= Q(**{f"{key}__lt": upper})
    return condition


def find(
    queryset: CustomerQuerySet, text: str, *, order_by: list[OrderBy]
) -> CappedList:
    """The customers of ``queryset`` matching ``text``, sorted by ``order_by``.

    Without search text the sorted index is walked and the count stops at ``CAP``:
    the pages are exactly the first ``CAP`` customers in that order.

    With search text, each kind of match reads at most ``CAP`` + 1 ids through its
    own index. When none has more, their union is every match: small, so sorting it
    is cheap and its size is the exact count. When one has more, the list is capped:
    ``CAP`` of the matches (earlier kinds first, each in its index order), sorted,
    and the page asks for more letters instead of sorting a million rows.
    """
    vendor = queryset.db_vendor()
    query = parse(text, vendor=vendor)
    if query.is_empty:
        return CappedList.of(queryset.order_by(*order_by))
    keyed = queryset.alias(**keys(vendor))
    ids: dict[int, None] = {}  # ordered set
    capped = False
    for key, condition in query.branches():
        branch = keyed.filter(condition).order_by(key).values_list("pk", flat=True)
        found = list(branch[: CAP + 1])
        capped = capped or len(found) > CAP
        ids.update(dict.fromkeys(found[:CAP]))
    if len(ids) > CAP:
        capped = True
        ids = dict.fromkeys(list(ids)[:CAP])
    matches = queryset.model.objects.filter(pk__in=list(ids)).order_by(*order_by)
    return CappedList(matches, len(ids), capped)


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix`` (code points).

    None when there is none (the prefix is all U+10FFFF): no upper limit needed.
    """
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored: skip them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None
