"""The triggers themselves: SQLite's row triggers and FTS5 table, PostgreSQL's
statement triggers over transition tables and its trigram index."""

from __future__ import annotations

from customers.derived_tables.keys import (
    CUSTOMERS,
    GROUPS,
    MIN_PHONE_DIGITS,
    NAMES,
    NAMES_FTS,
    _name_count,
    _name_match,
    _phone_count,
    _phone_match,
)

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
