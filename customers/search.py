"""How the one customer search box reads what was typed, and ranks what it finds.

A million customers rule out ``icontains`` (a full scan). Every kind of search
here is an exact match or a *prefix* range on one of the stored keys of
``customers.search_keys`` (folded: no case, no accents, ø → o), each with its
own index, so "JIMÉNEZ", "jimenez" and "Jiménez" are one search on SQLite and
PostgreSQL alike. Words of the name are found from their start: the first, the
second and the last word; an email from its start or, after ``@``, its domain; a
phone from its first or its last digits; a customer by its exact ID.

Text inside words (``ailey`` finds Bailey) and any word of a longer name are
found in the table of distinct names (``customers.derived_tables``): a trigram
index finds the few names containing every word, then the name index their
customers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, F, Func, Q

from customer_flow.lib.folding import domain_identity, email_identity, fold
from customer_flow.lib.paging import CAP, CappedList, RankedList
from customers.derived_tables import CUSTOMERS, NAMES, NAMES_FTS

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import OrderBy
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

    from customers.models import CustomerQuerySet

_PHONE_QUERY_RE = re.compile(r"^[0-9 ()\-./+]+$")
# Fewer digits than this are not looked for at the end of phone numbers (every
# customer's number ends in some digit).
LAST_DIGITS_MIN = 3
# Words are looked for inside names from this length (a trigram index's unit).
INSIDE_MIN = 3
MAX_TEXT = 400  # characters of search text read (the keys' length)
# Distinct names read by a search inside words.
NAMES_CAP = 200
# The values a branch reads for ranking, besides the ID.
_RANKED = ("pk", "name_key", "email_key", "phone_key")


# The sorts of the customer list: each is an index order (no sort of a million
# rows). "relevance" (the default with search text) is the ranking of ``find``.
ORDERINGS = {
    "id": [F("id").asc()],
    "-id": [F("id").desc()],
    "name": [F("name_key").asc(), F("id").asc()],
    "-name": [F("name_key").desc(), F("id").desc()],
    "email": [F("email_key").asc()],
    "-email": [F("email_key").desc()],
    "phone": [F("phone_key").asc(), F("id").asc()],
    "-phone": [F("phone_key").desc(), F("id").desc()],
}
RELEVANCE = "relevance"


@dataclass(frozen=True)
class Query:
    """What the search text asks for: an ID, phone digits, an email, a domain or
    words of a name."""

    text: str
    customer_id: int | None = None
    phone_digits: str = ""
    email_prefix: str = ""
    domain_prefix: str = ""
    words: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def name(self) -> str:
        return " ".join(self.words)

    def branches(self) -> list[tuple[str, Q]]:
        """One (key, condition) per kind of match; each is an index range."""
        found = []
        if self.customer_id is not None:
            found.append(("pk", Q(pk=self.customer_id)))
        if self.phone_digits:
            found.append(("phone_key", prefix("phone_key", self.phone_digits)))
            if len(self.phone_digits) >= LAST_DIGITS_MIN:
                reverse = self.phone_digits[::-1]
                found.append(("phone_rev_key", prefix("phone_rev_key", reverse)))
        if self.email_prefix:
            found.append(("email_key", prefix("email_key", self.email_prefix)))
        if self.domain_prefix:
            domain = prefix("email_domain_key", self.domain_prefix)
            found.append(("email_domain_key", domain))
        if self.words:
            # The longest word narrows most; the others must start a word too.
            longest = max(self.words, key=len)
            others = Q()
            for word in self.words:
                if word != longest:
                    others &= Q(name_key__startswith=word) | Q(
                        name_key__contains=f" {word}"
                    )
            for key in ("name_key", "name_tail_key", "name_last_key"):
                found.append((key, prefix(key, longest) & others))
        return found

    def inside_words(self, using: str = "default") -> tuple[Q, bool] | None:
        """Names containing every word anywhere (the middle of a word, any word
        of the name), and whether more names than ``NAMES_CAP`` do: None when no
        word is long enough to look for."""
        if not self.words or len(max(self.words, key=len)) < INSIDE_MIN:
            return None
        names = names_containing(self.words, using)
        return Q(name_key__in=names[:NAMES_CAP]), len(names) > NAMES_CAP

    def condition(self, using: str = "default") -> Q:
        """Every match, as one condition (the export and the admin use it)."""
        condition = Q(pk__in=[])
        for _key, branch in self.branches():
            condition |= branch
        inside = self.inside_words(using)
        if inside is not None:
            condition |= inside[0]
        return condition

    def rank(self, row: tuple[Any, ...]) -> tuple[int, str, int]:
        """Exact ID or email first, then the full name, then whole words, then
        prefixes; within a rank by name, so that namesakes (likely duplicates)
        sit together."""
        pk, name_key, email_key, phone_key = row
        if pk == self.customer_id or (email_key == self.email_prefix):
            level = 0
        elif self.words and name_key == self.name:
            level = 1
        elif self.words and set(self.words) <= set(name_key.split(" ")):
            level = 2
        elif self.phone_digits and phone_key == self.phone_digits:
            level = 2
        else:
            level = 3
        return (level, name_key, pk)


def parse(text: str) -> Query:
    """Read the search box: digits are an ID or a phone, ``@`` an email (or, at
    the start, a domain), anything else words of a name or the start of an email.

    Control characters and surrogates are dropped; case and accents never count.
    """
    # No key is longer: a longer text matches nothing, and is not worth reading.
    text = text[:MAX_TEXT]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs"))
    text = " ".join(text.split())
    if not text:
        return Query(text="")
    if _PHONE_QUERY_RE.match(text) and any(ch.isdigit() for ch in text):
        digits = "".join(ch for ch in text if ch.isdigit())
        customer_id = int(digits) if text.isdigit() and len(digits) < 19 else None
        return Query(text=text, customer_id=customer_id, phone_digits=digits)
    if text.startswith("@"):
        return Query(text=text, domain_prefix=domain_identity(text[1:]))
    if "@" in text:
        return Query(text=text, email_prefix=email_identity(text))
    words = tuple(fold(text).split(" "))
    email = email_identity(text) if " " not in text else ""
    return Query(text=text, words=words if words != ("",) else (), email_prefix=email)


def prefix(key: str, text: str) -> Q:
    """``key`` starts with ``text``, as a range the key's index answers in order.

    (SQLite uses no index for LIKE on these columns, and PostgreSQL could not
    return LIKE matches in index order for the cap.)
    """
    condition = Q(**{f"{key}__gte": text})
    upper = prefix_upper_bound(text)
    if upper is not None:
        condition &= Q(**{f"{key}__lt": upper})
    return condition


def find(
    queryset: CustomerQuerySet, text: str, *, order_by: list[OrderBy] | None = None
) -> CappedList | RankedList:
    """The customers of ``queryset`` matching ``text``: ranked (``Query.rank``),
    or sorted by ``order_by`` when given.

    Without search text the sorted index is walked and the count stops at ``CAP``.
    With search text, each kind of match reads at most ``CAP`` + 1 rows through
    its own index. When none has more, their union is every match and its size
    the exact count. When one has more, the list is capped: ``CAP`` of the
    matches, and the page asks for more letters instead of ranking a million rows.
    """
    query = parse(text)
    if query.is_empty:
        return CappedList.of(queryset.order_by(*(order_by or ORDERINGS["id"])))
    ids: dict[int, None] = {}  # ordered set
    capped = False
    for key, condition in query.branches():
        # Only IDs: each branch is read from its index alone.
        branch = queryset.filter(condition).order_by(key).values_list("pk", flat=True)
        found = list(branch[: CAP + 1])
        capped = capped or len(found) > CAP
        ids.update(dict.fromkeys(found[:CAP]))
    # Inside words only when the word starts left room (a broad search is capped
    # already, and a person looking for "mar" means the start of a word).
    inside = None if capped else query.inside_words(queryset.db)
    if inside is not None:
        names, more_names = inside
        inside_ids = queryset.filter(names).order_by("name_key")
        found = list(inside_ids.values_list("pk", flat=True)[: CAP + 1])
        capped = more_names or len(found) > CAP
        ids.update(dict.fromkeys(found[:CAP]))
    if len(ids) > CAP:
        capped = True
        ids = dict.fromkeys(list(ids)[:CAP])
    if order_by is None:
        return RankedList(queryset, _ranked(queryset, query, list(ids), capped), capped)
    matches = queryset.model.objects.filter(pk__in=list(ids)).order_by(*order_by)
    return CappedList(matches, len(ids), capped)


def _ranked(
    queryset: CustomerQuerySet, query: Query, ids: list[int], capped: bool
) -> list[int]:
    """``ids`` in ``Query.rank`` order. A capped list (a broad search: the person
    types more) keeps the order of the branches, each in its key's order, rather
    than reading a thousand rows to rank a sample."""
    if capped:
        return ids
    rows = queryset.model.objects.filter(pk__in=ids).values_list(*_RANKED)
    return [row[0] for row in sorted(rows, key=query.rank)]


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


# Kept for migration 0003, which built indexes on these expressions.
class PhoneDigits(Func):
    """The phone without punctuation (the search index of migration 0003)."""

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
        for char in " ()-./+":
            sql = f"REPLACE({sql}, '{char}', '')"
        return sql, params


class NameTail(Func):
    """The lower-cased name after its first word (migration 0003's index)."""

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


def names_containing(words: tuple[str, ...], using: str = "default") -> list[str]:
    """Distinct folded names containing every word: ``NAMES_CAP`` of them, and
    one more when there are more."""
    from django.db import connections

    from customers.models import CustomerName

    connection = connections[using]
    if connection.vendor == "postgresql":
        names = CustomerName.objects.using(using)
        for word in words:
            names = names.filter(name_key__contains=word)
        return list(names.values_list("name_key", flat=True)[: NAMES_CAP + 1])
    # SQLite: the FTS5 trigram table; each word a quoted phrase (a substring,
    # with FTS5's syntax characters taken literally). Shorter words are checked
    # on the names found.
    long = [word for word in words if len(word) >= INSIDE_MIN]
    match = " AND ".join('"' + word.replace('"', '""') + '"' for word in long)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n.name_key FROM {NAMES_FTS} AS f "
            f"JOIN {NAMES} AS n ON n.id = f.rowid WHERE {NAMES_FTS} MATCH %s "
            "LIMIT %s",
            [match, NAMES_CAP * 4],
        )
        found = [name for (name,) in cursor.fetchall()]
    found = [name for name in found if all(word in name for word in words)]
    return found[: NAMES_CAP + 1]


SUGGESTIONS = 5


def suggestions(queryset: CustomerQuerySet, text: str) -> list[str]:
    """Names close to ``text`` for "Did you mean …": PostgreSQL's pg_trgm word
    similarity over the distinct folded names (a trigram index, migration 0011)
    that an active customer has. On SQLite none: it has no well-kept spelling
    extension, and trigram overlap over FTS5 ranks typos poorly."""
    query = parse(text)
    if queryset.db_vendor() != "postgresql" or not query.words:
        return []
    wanted = query.name
    from django.db import connections

    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            f"SELECT n.name_key FROM {NAMES} AS n WHERE %s <%% n.name_key "
            f"AND EXISTS (SELECT 1 FROM {CUSTOMERS} AS c "
            "WHERE c.name_key = n.name_key AND c.archived_at IS NULL) "
            "ORDER BY word_similarity(%s, n.name_key) DESC, n.name_key LIMIT %s",
            [wanted, wanted, SUGGESTIONS],
        )
        return [name for (name,) in cursor.fetchall() if name != wanted]
