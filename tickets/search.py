"""Full-text search of tickets: subject, description and every message.

SQLite: two FTS5 tables over the ticket and comment tables (external content,
kept in step by triggers, so rows written in bulk are found too), with the
``unicode61 remove_diacritics 2`` tokenizer. PostgreSQL: GIN indexes on
``to_tsvector('simple', cf_unaccent(...))`` of the same columns. Both ignore case
and accents, match each word from its start (``print`` finds "printer"), need
every word, and rank by relevance (bm25 / ts_rank). The newest ``CANDIDATES``
matches of each source are ranked, so a word in half the tickets stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

CANDIDATES = 1000  # matches ranked per source (tickets, messages)
RESULTS = 200  # ranked tickets returned
_WORD = re.compile(r"\w+", re.UNICODE)
TICKET_NUMBER = re.compile(r"^\s*#\s*([0-9]{1,18})\s*$")


def ticket_number(text: str) -> int | None:
    """``#1042`` (a ticket number as typed in a search box), else None."""
    found = TICKET_NUMBER.match(text or "")
    return int(found.group(1)) if found else None


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")[:10]


def ranked_ids(text: str) -> list[int]:
    """Ticket ids matching every word of ``text``, best first (at most RESULTS)."""
    found = words(text)
    if not found:
        return []
    if connection.vendor == "postgresql":
        sql, params = _postgresql(found)
    else:
        sql, params = _sqlite(found)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _sqlite(found: list[str]) -> tuple[str, list[str]]:
    # Each word quoted (FTS5 syntax characters lose their meaning), as a prefix.
    query = " AND ".join('"' + word.replace('"', '""') + '"*' for word in found)
    sql = f"""
        SELECT id FROM (
            SELECT id, rank FROM (
                SELECT rowid AS id, rank FROM tickets_ticket_fts
                WHERE tickets_ticket_fts MATCH %s
                ORDER BY rowid DESC LIMIT {CANDIDATES}
            )
            UNION ALL
            SELECT c.ticket_id AS id, m.rank FROM (
                SELECT rowid AS id, rank FROM tickets_comment_fts
                WHERE tickets_comment_fts MATCH %s
                ORDER BY rowid DESC LIMIT {CANDIDATES}
            ) AS m JOIN tickets_ticketcomment AS c ON c.id = m.id
        )
        GROUP BY id ORDER BY MIN(rank), id DESC LIMIT {RESULTS}
    """
    return sql, [query, query]


TICKET_DOCUMENT = "to_tsvector('simple', cf_unaccent(subject || ' ' || description))"
COMMENT_DOCUMENT = "to_tsvector('simple', cf_unaccent(body))"


def _postgresql(found: list[str]) -> tuple[str, list[str]]:
    query = " & ".join(word + ":*" for word in found)
    sql = f"""
        WITH q AS (SELECT to_tsquery('simple', cf_unaccent(%s)) AS query)
        SELECT id FROM (
            SELECT t.id, ts_rank({TICKET_DOCUMENT}, q.query) AS rank
            FROM (
                SELECT id, subject, description FROM tickets_ticket, q
                WHERE {TICKET_DOCUMENT} @@ q.query LIMIT {CANDIDATES}
            ) AS t, q
            UNION ALL
            SELECT m.ticket_id, ts_rank({COMMENT_DOCUMENT}, q.query)
            FROM (
                SELECT ticket_id, body FROM tickets_ticketcomment, q
                WHERE {COMMENT_DOCUMENT} @@ q.query LIMIT {CANDIDATES}
            ) AS m, q
        ) AS hits
        GROUP BY id ORDER BY MAX(rank) DESC, id DESC LIMIT {RESULTS}
    """
    return sql, [query]


# SQLite: the search tables and the triggers that keep them (migration 0013).
SQLITE_TABLES = {
    "tickets_ticket_fts": ("tickets_ticket", ["subject", "description"]),
    "tickets_comment_fts": ("tickets_ticketcomment", ["body"]),
}


def sqlite_triggers(fts: str) -> list[str]:
    table, columns = SQLITE_TABLES[fts]
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    )
    return [
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


@contextmanager
def bulk_loading() -> Iterator[None]:
    """For seed data in bulk on SQLite: the triggers stop, and the search tables
    are rebuilt in one pass at the end (much faster than row by row)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        for fts in SQLITE_TABLES:
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for fts in SQLITE_TABLES:
                for statement in sqlite_triggers(fts):
                    cursor.execute(statement)
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
