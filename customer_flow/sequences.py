"""Keep automatic IDs ahead of rows written with explicit IDs."""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connections
from django.db.models import Model


def reset_id_sequences(*models: type[Model], using: str = "default") -> None:
    """After inserting explicit primary keys, make the next automatic ID free.

    PostgreSQL's identity sequence does not move when a row brings its own ID, so
    the next automatic ID would collide. SQLite needs nothing: it takes max(id) + 1.
    """
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
