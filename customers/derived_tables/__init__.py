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

The package's modules, each importing only the ones before it (underscored
names are private to the package: a later module may use an earlier one's)::

    keys       the tables' names, the SQL that counts the customers of a key
    triggers   the triggers and search structures of each database
    filling    both tables rebuilt from the customers; ``install``
    pausing    ``paused()``: triggers off for a bulk write, ``Touched`` keys
               recounted at the end

tests/system/test_import_rules.py enforces the order. Outside code imports the
public names from here (``from customers import derived_tables``, then
``derived_tables.paused()``). A constant is read where it is defined: a test
that changes ``BULK_ROWS`` sets it on ``derived_tables.triggers``.
"""

from __future__ import annotations

from customers.derived_tables.filling import fill_statements, install
from customers.derived_tables.keys import (
    CUSTOMERS,
    GROUPS,
    MIN_PHONE_DIGITS,
    NAMES,
    NAMES_FTS,
)
from customers.derived_tables.pausing import (
    REBUILD_FRACTION,
    Touched,
    paused,
    recount_statements,
)
from customers.derived_tables.triggers import (
    BULK_ROWS,
    PAUSE_SETTING,
    POSTGRESQL_INDEXES,
    SQLITE_FTS,
    SQLITE_TRIGGERS,
    create_statements,
    drop_trigger_statements,
    trigger_statements,
)

ORDER = ["keys", "triggers", "filling", "pausing"]

__all__ = [
    "BULK_ROWS",
    "CUSTOMERS",
    "GROUPS",
    "MIN_PHONE_DIGITS",
    "NAMES",
    "NAMES_FTS",
    "PAUSE_SETTING",
    "POSTGRESQL_INDEXES",
    "REBUILD_FRACTION",
    "SQLITE_FTS",
    "SQLITE_TRIGGERS",
    "Touched",
    "create_statements",
    "drop_trigger_statements",
    "fill_statements",
    "install",
    "paused",
    "recount_statements",
    "trigger_statements",
]
