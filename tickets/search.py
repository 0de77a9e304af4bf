"""Full-text search of tickets: subject, description and every message.

SQLite: two FTS5 tables over the ticket and comment tables (external content,
kept in step by triggers, so rows written in bulk are found too), with the
``unicode61 remove_diacritics 2`` tokenizer. PostgreSQL: a stored ``tsvector``
column on each table, ``to_tsvector('simple', cf_unaccent(...))`` of the same
columns, with a GIN index (migration 0018). Both ignore case and accents and need
every word.

Words are whole words, as in the helpdesks and mail clients staff know:
``printer`` finds "printer", not "printers". A word typed with a trailing ``*``
is the start of a word (``print*``), and when no ticket has every word the search
runs again with each word as a start, so ``print`` alone still finds "printer".
Whole words first because a start is costly on a common word: FTS5 merges the
lists of every word with that start before it can read the newest, and GIN
builds a bitmap of all of them (tens of ms for a word in a fifth of 3M messages,
against well under one for the whole word).

The newest ``CANDIDATES`` matches of each source are ranked by how often the
words occur in them (SQLite: the matches ``highlight()`` marks; PostgreSQL:
``ts_rank``). Neither reads statistics of the whole table, so a word in half the
messages costs no more than a rare one; FTS5's ``bm25`` reads every row holding
each word to weigh it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from customer_flow.lib.folding import fold

CANDIDATES = 200  # matches ranked per source (tickets, messages), newest first
RESULTS = 200  # ranked tickets returned
_WORD = re.compile(r"(\w+)(\*?)", re.UNICODE)
TICKET_NUMBER = re.compile(r"^\s*#\s*([0-9]{1,18})\s*$")


def ticket_number(text: str) -> int | None:
    """``#1042`` (a ticket number as typed in a search box), else None."""
    found = TICKET_NUMBER.match(text or "")
    return int(found.group(1)) if found else None


def words(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` (at most ten), each with whether it is a start."""
    return [(word, bool(star)) for word, star in _WORD.findall(text or "")[:10]]


def ranked_ids(text: str) -> list[int]:
    """Ticket ids matching every word of ``text``, best first (at most RESULTS)."""
    found = words(text)
    if not found:
        return []
    ids = _ranked(found)
    if not ids and not all(start for _, start in found):
        ids = _ranked([(word, True) for word, _ in found])
    return ids


def _ranked(found: list[tuple[str, bool]]) -> list[int]:
    if connection.vendor == "postgresql":
        return _postgresql(found)
    with connection.cursor() as cursor:
        cursor.execute(*_sqlite(found))
        return [row[0] for row in cursor.fetchall()]


def _sqlite(found: list[tuple[str, bool]]) -> tuple[str, list[str]]:
    # Each word quoted, so FTS5 syntax characters lose their meaning.
    query = " AND ".join(
        '"' + word.replace('"', '""') + '"' + ("*" if start else "")
        for word, start in found
    )
    # highlight() puts char(1) before each match; the hits are those counted.
    # MATERIALIZED: each candidate is highlighted once, not once per use.
    sql = f"""
        WITH t AS MATERIALIZED (
            SELECT rowid AS id, highlight(tickets_ticket_fts, 0, char(1), '')
                || highlight(tickets_ticket_fts, 1, char(1), '') AS marked
            FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s
            ORDER BY rowid DESC LIMIT {CANDIDATES}
        ), m AS MATERIALIZED (
            SELECT rowid AS id, highlight(tickets_comment_fts, 0, char(1), '')
                AS marked
            FROM tickets_comment_fts WHERE tickets_comment_fts MATCH %s
            ORDER BY rowid DESC LIMIT {CANDIDATES}
        )
        SELECT id FROM (
            SELECT id, marked FROM t
            UNION ALL
            SELECT c.ticket_id, m.marked
            FROM m JOIN tickets_ticketcomment AS c ON c.id = m.id
        )
        GROUP BY id
        ORDER BY MAX(length(marked) - length(replace(marked, char(1), ''))) DESC,
            id DESC
        LIMIT {RESULTS}
    """
    return sql, [query, query]


# PostgreSQL: the sources, and the column naming each row's ticket.
SOURCES = {"tickets_ticket": "id", "tickets_ticketcomment": "ticket_id"}
WINDOW = 40_000  # at most this many newest rows are read by NEWEST
DENSE = 0.005  # words in this share of the rows fill CANDIDATES within WINDOW
COMMON = 0.01  # a word in this share of the rows has a long list in the index
TSQUERY = "to_tsquery('simple', cf_unaccent(%s))"
# The newest rows, newest first, each checked on its stored document until
# CANDIDATES match. The LIMIT inside keeps the filter out of the subquery, so
# the plan can read no more than WINDOW rows.
NEWEST = f"""
    SELECT ticket, ts_rank(search_document, {TSQUERY}) FROM (
        SELECT id, {{owner}} AS ticket, search_document FROM {{table}}
        ORDER BY id DESC LIMIT {WINDOW}
    ) AS recent WHERE search_document @@ {TSQUERY} LIMIT {{limit}}
"""
# The GIN index: every match is read to find the newest, which is quick for
# rare words only. "id + 0" is an order no index holds, so the planner cannot
# choose to read the table newest first instead (all of it, when the word is
# in no row).
INDEXED = f"""
    SELECT {{owner}}, ts_rank(search_document, {TSQUERY}) FROM {{table}}
    WHERE search_document @@ {TSQUERY} ORDER BY id + 0 DESC LIMIT {{limit}}
"""


def _postgresql(found: list[tuple[str, bool]]) -> list[int]:
    """The newest CANDIDATES matches of each source, best rank first.

    GIN cannot hand matches back newest first, and it reads every match to sort
    them: over a second for a word in a fifth of 3M messages, and 0.4 s for five
    such words together, whose lists it walks side by side. The newest rows
    hold enough of a common word within a few thousand. So the words' shares of
    the rows, from the column's statistics, choose: dense words read the newest
    rows; a rare word reads the index; common words that are rare together read
    the newest WINDOW rows only, and the search ranks the matches among them.
    Left to itself the planner reads the newest rows for a word it has no
    statistics on, which is all 3M rows when the word is not there.
    """
    # Only letters, digits and _ reach the query (words() keeps nothing else),
    # so no tsquery operator can.
    query = " & ".join(word + (":*" if start else "") for word, start in found)
    best: dict[int, float] = {}
    with connection.cursor() as cursor:
        shares = _shares(cursor, found)
        for table in SOURCES:
            for sql in _plan(shares.get(table)):
                rows = _matches(cursor, sql, table, query)
                if len(rows) == CANDIDATES:
                    break
            for ticket, rank in rows:
                best[ticket] = max(rank, best.get(ticket, rank))
    return sorted(best, key=lambda ticket: (-best[ticket], -ticket))[:RESULTS]


def _matches(cursor: CursorWrapper, sql: str, table: str, query: str) -> list[Any]:
    """(ticket id, rank) of the CANDIDATES matches ``sql`` finds in ``table``."""
    cursor.execute(
        sql.format(table=table, owner=SOURCES[table], limit=CANDIDATES), [query] * 2
    )
    return cursor.fetchall()


def _plan(shares: list[float] | None) -> list[str]:
    """The queries to try in turn, by the words' shares of the rows: dense
    words, or only common ones, the newest rows; a rare word, the index;
    unknown (no statistics yet), the newest rows and then the index."""
    if shares is None:
        return [NEWEST, INDEXED]
    if math.prod(shares) >= DENSE or min(shares) >= COMMON:
        return [NEWEST]
    return [INDEXED]


def _shares(
    cursor: CursorWrapper, found: list[tuple[str, bool]]
) -> dict[str, list[float]]:
    """Each source's share of rows holding each word, from the planner's most
    common elements of its document column (0 for a word not among them)."""
    cursor.execute(
        "SELECT tablename, most_common_elems::text::text[], most_common_elem_freqs "
        "FROM pg_stats WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND attname = 'search_document'",
        [list(SOURCES)],
    )
    lexemes = [(fold(word), start) for word, start in found]
    shares = {}
    for table, elements, frequencies in cursor.fetchall():
        if not elements:
            continue
        # The frequencies end with three summary figures.
        share = dict(zip(elements, frequencies[: len(elements)], strict=True))
        shares[table] = [
            min(1.0, sum(f for e, f in share.items() if e.startswith(lexeme)))
            if start
            else share.get(lexeme, 0.0)
            for lexeme, start in lexemes
        ]
    return shares


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
