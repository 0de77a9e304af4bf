"""customers/migrations/0006: existing customers get their keys, and emails that
are one address under the identity rule stop the migration with a clear message."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0005_import_batch_recording_status")]


def _migrate(targets):
    # Migrations that grant permissions insert rows: after the suite's flushes and
    # restores of the migrated data, PostgreSQL's sequences may lag behind the IDs.
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Permission, ContentType]
        ):
            cursor.execute(sql)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _insert(pk: int, name: str, email: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customer (id, name, email, phone, created_at, "
            "updated_at, version) VALUES (%s, %s, %s, '', %s, %s, 1)",
            [pk, name, email, "2026-01-01T00:00:00", "2026-01-01T00:00:00"],
        )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_key_migration_fills_keys_and_names_colliding_customers():
    latest = _latest()
    try:
        _migrate(BEFORE)
        _insert(1, "José Jiménez", "Jose@Example.com")
        _insert(2, "Ada", "ada@bücher.de")
        _insert(3, "Ada again", "ada@xn--bcher-kva.de")
        with pytest.raises(Exception, match=r"#2 ada@bücher\.de and #3") as error:
            _migrate([("customers", "0006_search_and_identity_keys")])
        assert "Nothing was changed" in str(error.value)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM customers_customer WHERE id = 3")
        _migrate([("customers", "0006_search_and_identity_keys")])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name_key, email_key FROM customers_customer ORDER BY id"
            )
            assert cursor.fetchall() == [
                ("jose jimenez", "jose@example.com"),
                ("ada", "ada@xn--bcher-kva.de"),
            ]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM customers_customer")
        _migrate(latest)
