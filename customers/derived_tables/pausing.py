"""The triggers paused for a bulk write, and the keys it touched recounted at
the end (or both tables rebuilt)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from customers.derived_tables.filling import _has_at, _local, fill_statements
from customers.derived_tables.keys import (
    CUSTOMERS,
    GROUPS,
    MIN_PHONE_DIGITS,
    NAMES,
    _name_count,
    _phone_count,
)
from customers.derived_tables.triggers import (
    PAUSE_SETTING,
    drop_trigger_statements,
    trigger_statements,
)


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
