"""PostgreSQL: the search documents become stored columns (see tickets.search).

The GIN indexes of migration 0013 were on expressions, so every candidate row was
tokenized again to rank it and to recheck the lossy pages of a large bitmap, and
the planner had no statistics of the words to choose between the index and
reading the newest rows first. A stored generated column gives both. Adding it
rewrites each table under an exclusive lock: 3.5 minutes for 1M tickets and 3M
messages on the bench machine (docs/deployment.md). SQLite is unchanged (its
FTS5 tables already hold this).
"""

from django.db import migrations

DOCUMENTS = {
    "tickets_ticket": (
        "ticket_search_idx",
        "to_tsvector('simple'::regconfig, cf_unaccent(subject || ' ' || description))",
    ),
    "tickets_ticketcomment": (
        "comment_search_idx",
        "to_tsvector('simple'::regconfig, cf_unaccent(body))",
    ),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, document) in DOCUMENTS.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({document}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {index} ON {table} USING GIN (search_document)"
        )
        # The planner weighs a word against these statistics (tickets.search).
        schema_editor.execute(f"ANALYZE {table}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, document) in DOCUMENTS.items():
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING GIN ({document})")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0017_open_counts_index")]

    operations = [migrations.RunPython(forwards, backwards)]
