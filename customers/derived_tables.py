"""Triggers that keep the names table and the duplicate groups in step with the
customers table, on every write path at once: the form, the admin, imports in
bulk, their undo, merges and raw SQL.

``customers_customername`` holds every distinct folded name; search inside
words looks there first (a few thousand names, not a million customers), on
SQLite through an FTS5 ``trigram`` table over it, on PostgreSQL through a
``pg_trgm`` GIN index on it. ``customers_duplicategroup`` holds each key shared
by two or more active customers (phone digits; folded name and email local part)
with its size, so the duplicates page reads a small table in size order.

SQLite fires row triggers; PostgreSQL fires statement triggers that read the
statement's rows (transition tables), so a COPY of a million rows costs one
set-wise pass. A trigger recounts only the keys of the rows written, through the
customer indexes. Bulk writers (the importer, its undo, seeding) pause the
triggers inside their transaction with ``paused()`` (PostgreSQL: a setting the
trigger functions read, local to the transaction; SQLite: the triggers are
dropped and made again, which the write lock hides) and get both tables brought
up to date at the end: the keys they noted, or a rebuild of both tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

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


# SQLite ---------------------------------------------------------------------


def _sqlite_local(row: str) -> str:
    return f"substr({row}.email_key, 1, instr({row}.email_key, '@') - 1)"


def _sqlite_recount(row: str, *, shrink: bool) -> list[str]:
    """Statements that set the groups of ``row``'s (``new``/``old``) keys."""
    phone, name, local = f"{row}.phone_key", f"{row}.name_key", _sqlite_local(row)
    keys = [
        ("phone", phone, _phone_count(phone), f"length({phone}) >= 7"),
        (
            "name",
            f"{name} || ' ' || {local}",
            _name_count(name, local),
            f"{name} <> '' AND instr({row}.email_key, '@') > 1",
        ),
    ]
    statements = []
    for kind, value, count, wanted in keys:
        if shrink:
            statements.append(
                f"DELETE FROM {GROUPS} WHERE kind = '{kind}' AND value = {value} "
                f"AND ({count}) < 2;"
            )
        statements.append(
            f"INSERT OR REPLACE INTO {GROUPS} (kind, value, size) "
            f"SELECT '{kind}', {value}, n FROM (SELECT ({count}) AS n) AS counted "
            f"WHERE {wanted} AND n > 1;"
        )
    return statements


def _sqlite_insert_triggers() -> list[str]:
    """A new row: its name, and its groups only when another active customer
    shares a key (the common case is one index probe per key)."""
    phone, name, local = "new.phone_key", "new.name_key", _sqlite_local("new")
    phone_insert, name_insert = _sqlite_recount("new", shrink=False)
    return [
        f"CREATE TRIGGER customers_names_ai AFTER INSERT ON {CUSTOMERS} "
        f"WHEN new.name_key <> '' BEGIN INSERT OR IGNORE INTO {NAMES} (name_key) "
        "VALUES (new.name_key); END",
        f"CREATE TRIGGER customers_phone_group_ai AFTER INSERT ON {CUSTOMERS} "
        f"WHEN new.archived_at IS NULL AND length({phone}) >= {MIN_PHONE_DIGITS} "
        f"AND EXISTS (SELECT 1 FROM {CUSTOMERS} AS c WHERE {_phone_match(phone)} "
        f"AND c.id <> new.id AND c.archived_at IS NULL) BEGIN {phone_insert} END",
        f"CREATE TRIGGER customers_name_group_ai AFTER INSERT ON {CUSTOMERS} "
        f"WHEN new.archived_at IS NULL AND {name} <> '' "
        "AND instr(new.email_key, '@') > 1 "
        f"AND EXISTS (SELECT 1 FROM {CUSTOMERS} AS c WHERE "
        f"{_name_match(name, local)} AND c.id <> new.id AND c.archived_at IS NULL) "
        f"BEGIN {name_insert} END",
    ]


def _sqlite_triggers() -> list[str]:
    name = (
        f"INSERT OR IGNORE INTO {NAMES} (name_key) SELECT new.name_key "
        "WHERE new.name_key <> '';"
    )
    keys = "name_key, email_key, phone_key, archived_at"
    return [
        *_sqlite_insert_triggers(),
        f"CREATE TRIGGER customers_derived_au AFTER UPDATE OF {keys} ON {CUSTOMERS} "
        f"BEGIN {name} {' '.join(_sqlite_recount('old', shrink=True))} "
        f"{' '.join(_sqlite_recount('new', shrink=True))} END",
        f"CREATE TRIGGER customers_derived_ad AFTER DELETE ON {CUSTOMERS} BEGIN "
        f"{' '.join(_sqlite_recount('old', shrink=True))} END",
    ]


SQLITE_TRIGGERS = (
    "customers_names_ai",
    "customers_phone_group_ai",
    "customers_name_group_ai",
    "customers_derived_au",
    "customers_derived_ad",
)

SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {NAMES_FTS} USING fts5(name_key, content='{NAMES}', "
    "content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {NAMES_FTS}_ai AFTER INSERT ON {NAMES} BEGIN "
    f"INSERT INTO {NAMES_FTS} (rowid, name_key) VALUES (new.id, new.name_key); END",
    f"CREATE TRIGGER {NAMES_FTS}_ad AFTER DELETE ON {NAMES} BEGIN "
    f"INSERT INTO {NAMES_FTS} ({NAMES_FTS}, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
]


# PostgreSQL -----------------------------------------------------------------

_PG_KEYS = f"""
    keys AS (
        SELECT DISTINCT 'phone' AS kind, phone_key AS value, phone_key AS phone,
            '' AS name, '' AS local
        FROM changed WHERE length(phone_key) >= {MIN_PHONE_DIGITS}
        UNION
        SELECT DISTINCT 'name', name_key || ' ' || split_part(email_key, '@', 1),
            '', name_key, split_part(email_key, '@', 1)
        FROM changed WHERE name_key <> '' AND position('@' in email_key) > 1
    ),"""
# A few rows: each key recounted through the customer indexes.
_PG_COUNT_EACH = f"""
    counted AS (
        SELECT kind, value, CASE WHEN kind = 'phone'
            THEN ({_phone_count("k.phone")})
            ELSE ({_name_count("k.name", "k.local")}) END AS size
        FROM keys AS k
    ),"""
# Many rows (an import, a bulk change): the keys' customers counted in one
# hash join, rather than a probe per key.
_PG_COUNT_ALL = f"""
    phones AS (
        SELECT c.phone_key AS value, count(*) AS size FROM {CUSTOMERS} AS c
        WHERE c.archived_at IS NULL AND c.phone_key IN (
            SELECT phone FROM keys WHERE kind = 'phone')
        GROUP BY c.phone_key
    ),
    names AS (
        SELECT c.name_key || ' ' || split_part(c.email_key, '@', 1) AS value,
            count(*) AS size
        FROM {CUSTOMERS} AS c JOIN keys AS k ON k.kind = 'name'
            AND c.name_key = k.name AND split_part(c.email_key, '@', 1) = k.local
        WHERE c.archived_at IS NULL GROUP BY 1
    ),
    counted AS (
        SELECT k.kind, k.value, coalesce(p.size, n.size, 0) AS size FROM keys AS k
        LEFT JOIN phones AS p ON k.kind = 'phone' AND p.value = k.value
        LEFT JOIN names AS n ON k.kind = 'name' AND n.value = k.value
    ),"""
_PG_WRITE = f"""
    gone AS (
        DELETE FROM {GROUPS} AS g USING counted
        WHERE g.kind = counted.kind AND g.value = counted.value AND counted.size < 2
    )
    INSERT INTO {GROUPS} (kind, value, size)
    SELECT kind, value, size FROM counted WHERE size > 1
    ON CONFLICT (kind, value) DO UPDATE SET size = excluded.size;
"""
BULK_ROWS = 1000  # statement rows from which PostgreSQL counts set-wise
_PG_NAMES = (
    f"INSERT INTO {NAMES} (name_key) SELECT DISTINCT name_key FROM new_rows "
    "WHERE name_key <> '' ON CONFLICT (name_key) DO NOTHING;"
)
_PG_CHANGED = {
    "insert": "SELECT phone_key, name_key, email_key FROM new_rows",
    "update": "SELECT phone_key, name_key, email_key FROM new_rows UNION "
    "SELECT phone_key, name_key, email_key FROM old_rows",
    "delete": "SELECT phone_key, name_key, email_key FROM old_rows",
}
_PG_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "update": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "delete": "OLD TABLE AS old_rows",
}


PAUSE_SETTING = "customer_flow.derived_paused"
# The setting lasts to the end of the transaction that sets it (``paused``).
_PG_IF_PAUSED = (
    f"IF current_setting('{PAUSE_SETTING}', true) = 'on' THEN RETURN NULL; END IF;"
)


def _postgresql_triggers() -> list[str]:
    statements = []
    for event, changed in _PG_CHANGED.items():
        function = f"customers_derived_{event}"
        names = _PG_NAMES if event != "delete" else ""
        rows = "new_rows" if event != "delete" else "old_rows"
        statements += [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_PG_IF_PAUSED} {names} "
            f"IF (SELECT count(*) FROM {rows}) < {BULK_ROWS} THEN "
            f"WITH changed AS ({changed}), {_PG_KEYS} {_PG_COUNT_EACH} {_PG_WRITE} "
            f"ELSE WITH changed AS ({changed}), {_PG_KEYS} {_PG_COUNT_ALL} "
            f"{_PG_WRITE} END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {function} AFTER {event.upper()} ON {CUSTOMERS} "
            f"REFERENCING {_PG_REFERENCING[event]} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}()",
        ]
    return statements


POSTGRESQL_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX customer_name_trgm_idx ON {NAMES} USING gin (name_key gin_trgm_ops)",
]


# Filling and pausing --------------------------------------------------------


def _local(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"substr({column}, 1, instr({column}, '@') - 1)"
    return f"split_part({column}, '@', 1)"


def _has_at(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"instr({column}, '@') > 1"
    return f"position('@' in {column}) > 1"


def fill_statements() -> list[str]:
    """Rebuild both tables from the customers, set-wise."""
    names = [
        f"INSERT INTO {NAMES} (name_key) SELECT DISTINCT name_key FROM {CUSTOMERS} "
        f"WHERE name_key <> '' AND name_key NOT IN (SELECT name_key FROM {NAMES})",
        f"DELETE FROM {GROUPS}",
    ]
    insert = f"INSERT INTO {GROUPS} (kind, value, size)"
    local, has_at = _local("email_key"), _has_at("email_key")
    if connection.vendor == "postgresql":  # hash aggregates over the table
        return [
            *names,
            f"{insert} SELECT 'phone', phone_key, count(*) FROM {CUSTOMERS} "
            f"WHERE archived_at IS NULL AND length(phone_key) >= {MIN_PHONE_DIGITS} "
            "GROUP BY phone_key HAVING count(*) > 1",
            f"{insert} SELECT 'name', name_key || ' ' || {local}, count(*) "
            f"FROM {CUSTOMERS} WHERE archived_at IS NULL AND name_key <> '' "
            f"AND {has_at} GROUP BY name_key, {local} HAVING count(*) > 1",
        ]
    # SQLite: first the keys held twice, active or not, from the covering
    # indexes; then only those keys' customers are read (the local part's
    # through the email range). 4x faster at 1M than grouping every customer.
    return [
        *names,
        f"{insert} SELECT 'phone', phone_key, count(*) FROM {CUSTOMERS} "
        "WHERE archived_at IS NULL AND phone_key IN (SELECT phone_key "
        f"FROM {CUSTOMERS} WHERE length(phone_key) >= {MIN_PHONE_DIGITS} "
        "GROUP BY phone_key HAVING count(*) > 1) "
        "GROUP BY phone_key HAVING count(*) > 1",
        f"{insert} SELECT 'name', c.name_key || ' ' || s.local, count(*) "
        f"FROM (SELECT {local} AS local FROM {CUSTOMERS} WHERE {has_at} "
        f"GROUP BY 1 HAVING count(*) > 1) AS s JOIN {CUSTOMERS} AS c "
        "ON c.email_key >= s.local || '@' AND c.email_key < s.local || 'A' "
        "WHERE c.archived_at IS NULL AND c.name_key <> '' "
        "GROUP BY c.name_key, s.local HAVING count(*) > 1",
    ]


def create_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_FTS + _sqlite_triggers()
    return POSTGRESQL_INDEXES + _postgresql_triggers()


def drop_trigger_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    return [
        f"DROP TRIGGER IF EXISTS customers_derived_{event} ON {CUSTOMERS}"
        for event in _PG_CHANGED
    ]


def trigger_statements(vendor: str) -> list[str]:
    return _sqlite_triggers() if vendor == "sqlite" else _postgresql_triggers()


def install(db: BaseDatabaseWrapper) -> None:
    """Create the search structures and triggers, and fill both tables."""
    with db.cursor() as cursor:
        for statement in create_statements(db.vendor) + fill_statements():
            cursor.execute(statement)


class Touched:
    """The keys a paused bulk write touches. The writer notes its rows' keys
    before and after writing them, and ``paused`` recounts only those keys; or
    everything, when nothing was noted or the rows are a large part of the table
    (then noting is skipped: one pass over the table is cheaper than a probe per
    key)."""

    TABLE = "customers_derived_touched"

    def __init__(self, customers: int) -> None:
        self.customers = customers
        self.rows = 0
        self.noted = False

    @property
    def whole(self) -> bool:
        return not self.noted or self.rows * REBUILD_FRACTION >= self.customers

    def note(self, sql: str, params: Sequence[Any] = (), *, rows: int) -> None:
        """Note the keys (``phone_key``, ``name_key``, ``email_key``) of the
        customers ``sql`` selects, at most ``rows`` of them."""
        self.noted = True
        self.rows += rows
        if self.whole:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.TABLE} (phone_key, name_key, email_key) {sql}",
                params,
            )


def recount_statements() -> list[str]:
    """Recount the groups of the keys in ``Touched.TABLE``, set-wise, and add
    their new names: the triggers' work for a whole paused write at once."""
    touched, keys = Touched.TABLE, "customers_derived_keys"
    local = _local("email_key")
    ignore = "OR IGNORE " if connection.vendor == "sqlite" else ""
    conflict = "" if ignore else " ON CONFLICT (name_key) DO NOTHING"
    return [
        f"INSERT {ignore}INTO {NAMES} (name_key) SELECT DISTINCT name_key "
        f"FROM {touched} WHERE name_key <> ''{conflict}",
        f"DROP TABLE IF EXISTS {keys}",
        f"CREATE TEMPORARY TABLE {keys} AS SELECT 'phone' AS kind, phone_key AS value, "
        f"phone_key AS phone, '' AS name, '' AS local FROM {touched} "
        f"WHERE length(phone_key) >= {MIN_PHONE_DIGITS} UNION "
        f"SELECT 'name', name_key || ' ' || {local}, '', name_key, {local} "
        f"FROM {touched} WHERE name_key <> '' AND {_has_at('email_key')}",
        f"DELETE FROM {GROUPS} WHERE (kind, value) IN (SELECT kind, value FROM {keys})",
        f"INSERT INTO {GROUPS} (kind, value, size) SELECT kind, value, size FROM "
        f"(SELECT kind, value, CASE WHEN kind = 'phone' "
        f"THEN ({_phone_count('k.phone')}) ELSE ({_name_count('k.name', 'k.local')}) "
        f"END AS size FROM {keys} AS k) AS counted WHERE size > 1",
        f"DROP TABLE {keys}",
    ]


def _pause(cursor: CursorWrapper) -> Touched:
    if connection.vendor == "postgresql":
        # No DDL: dropping a trigger would lock the customers against readers.
        cursor.execute("SELECT set_config(%s, 'on', true)", [PAUSE_SETTING])
    else:  # The transaction holds SQLite's write lock; nobody sees the gap.
        for statement in drop_trigger_statements(connection.vendor):
            cursor.execute(statement)
    cursor.execute(f"DROP TABLE IF EXISTS {Touched.TABLE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {Touched.TABLE} "
        "(phone_key TEXT NOT NULL, name_key TEXT NOT NULL, email_key TEXT NOT NULL)"
    )
    cursor.execute(f"SELECT count(*) FROM {CUSTOMERS}")
    return Touched(cursor.fetchone()[0])


def _resume(cursor: CursorWrapper, touched: Touched) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT set_config(%s, 'off', true)", [PAUSE_SETTING])
    else:
        for statement in trigger_statements(connection.vendor):
            cursor.execute(statement)
    for statement in fill_statements() if touched.whole else recount_statements():
        cursor.execute(statement)
    cursor.execute(f"DROP TABLE {Touched.TABLE}")


REBUILD_FRACTION = 5  # noted rows × this ≥ customers: rebuild everything


@contextmanager
def paused() -> Iterator[Touched]:
    """Stop the triggers for a bulk write, inside its transaction, and bring both
    tables up to date at the end in one pass: the keys noted on the yielded
    ``Touched``, or everything when none were noted. On an error nothing is
    done: the transaction's rollback undoes the pause too."""
    if not connection.in_atomic_block:
        raise RuntimeError("derived_tables.paused() needs a transaction")
    with connection.cursor() as cursor:
        touched = _pause(cursor)
    yield touched
    with connection.cursor() as cursor:
        _resume(cursor, touched)
