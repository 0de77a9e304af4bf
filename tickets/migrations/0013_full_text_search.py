"""Full-text search of tickets and their messages (see tickets.search).

SQLite: FTS5 tables with external content and triggers; PostgreSQL: the unaccent
extension, an IMMUTABLE wrapper (so it may appear in an index) and GIN indexes.
"""

from django.db import migrations

SQLITE_TABLES = {
    # fts table: (content table, columns)
    "tickets_ticket_fts": ("tickets_ticket", ["subject", "description"]),
    "tickets_comment_fts": ("tickets_ticketcomment", ["body"]),
}


def _sqlite_statements():
    for fts, (table, columns) in SQLITE_TABLES.items():
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        yield (
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
        delete = (
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        )
        yield f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END"
        yield f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END"
        yield (
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        yield f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"


POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION cf_unaccent(text) RETURNS text AS "
    "$$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$ "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT",
    "CREATE INDEX ticket_search_idx ON tickets_ticket USING GIN "
    "(to_tsvector('simple', cf_unaccent(subject || ' ' || description)))",
    "CREATE INDEX comment_search_idx ON tickets_ticketcomment USING GIN "
    "(to_tsvector('simple', cf_unaccent(body)))",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = list(_sqlite_statements()) if vendor == "sqlite" else POSTGRESQL
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for fts in SQLITE_TABLES:
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        schema_editor.execute("DROP INDEX IF EXISTS ticket_search_idx")
        schema_editor.execute("DROP INDEX IF EXISTS comment_search_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS cf_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_bulk_changes")]

    operations = [migrations.RunPython(forwards, backwards)]
