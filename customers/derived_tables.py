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
customer indexes: code that drops those indexes for a bulk load (seeding) pauses
the triggers with ``paused()``, which rebuilds both tables afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

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
    ),
    counted AS (
        SELECT kind, value, CASE WHEN kind = 'phone'
            THEN ({_phone_count("k.phone")})
            ELSE ({_name_count("k.name", "k.local")}) END AS size
        FROM keys AS k
    ),
    gone AS (
        DELETE FROM {GROUPS} AS g USING counted
        WHERE g.kind = counted.kind AND g.value = counted.value AND counted.size < 2
    )
    INSERT INTO {GROUPS} (kind, value, size)
    SELECT kind, value, size FROM counted WHERE size > 1
    ON CONFLICT (kind, value) DO UPDATE SET size = excluded.size;
"""
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


def _postgresql_triggers() -> list[str]:
    statements = []
    for event, changed in _PG_CHANGED.items():
        function = f"customers_derived_{event}"
        names = _PG_NAMES if event != "delete" else ""
        statements += [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {names} "
            f"WITH changed AS ({changed}), {_PG_KEYS} RETURN NULL; END $$",
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


def fill_statements() -> list[str]:
    """Rebuild both tables from the customers, set-wise."""
    local = (
        "substr(email_key, 1, instr(email_key, '@') - 1)"
        if connection.vendor == "sqlite"
        else "split_part(email_key, '@', 1)"
    )
    has_at = (
        "instr(email_key, '@') > 1"
        if connection.vendor == "sqlite"
        else "position('@' in email_key) > 1"
    )
    return [
        f"INSERT INTO {NAMES} (name_key) SELECT DISTINCT name_key FROM {CUSTOMERS} "
        f"WHERE name_key <> '' AND name_key NOT IN (SELECT name_key FROM {NAMES})",
        f"DELETE FROM {GROUPS}",
        f"INSERT INTO {GROUPS} (kind, value, size) SELECT 'phone', phone_key, "
        f"count(*) FROM {CUSTOMERS} WHERE archived_at IS NULL "
        f"AND length(phone_key) >= {MIN_PHONE_DIGITS} "
        "GROUP BY phone_key HAVING count(*) > 1",
        f"INSERT INTO {GROUPS} (kind, value, size) SELECT 'name', "
        f"name_key || ' ' || {local}, count(*) FROM {CUSTOMERS} "
        f"WHERE archived_at IS NULL AND name_key <> '' AND {has_at} "
        f"GROUP BY name_key, {local} HAVING count(*) > 1",
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


@contextmanager
def paused() -> Iterator[None]:
    """Stop the triggers for a bulk load that drops the customer indexes; rebuild
    both tables in one pass at the end. Use inside the load's transaction."""
    with connection.cursor() as cursor:
        for statement in drop_trigger_statements(connection.vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in trigger_statements(connection.vendor):
                cursor.execute(statement)
            for statement in fill_statements():
                cursor.execute(statement)
