"""Typo tolerance on PostgreSQL: pg_trgm and a trigram index on the folded name,
for the search's "Did you mean …" (customers.search.suggestions). SQLite has no
well-kept equivalent, so nothing is added there."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_name_key_trgm_idx ON "
        "customers_customer USING gin (name_key gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_name_key_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_customer_merge")]

    operations = [migrations.RunPython(create, drop)]
