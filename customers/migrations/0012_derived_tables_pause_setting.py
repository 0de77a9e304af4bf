from django.db import migrations

from customers import derived_tables


def replace_triggers(apps, schema_editor):
    # PostgreSQL's trigger functions learn to skip while the importer has them
    # paused (derived_tables.PAUSE_SETTING); SQLite's triggers are unchanged.
    vendor = schema_editor.connection.vendor
    if vendor != "postgresql":
        return
    for statement in derived_tables.drop_trigger_statements(
        vendor
    ) + derived_tables.trigger_statements(vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_names_and_duplicate_groups"),
    ]

    operations = [
        migrations.RunPython(replace_triggers, migrations.RunPython.noop),
    ]
