"""A text column compared in code-point order on every database."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class KeyField(models.CharField):
    """A computed search or identity key, compared and sorted by code point.

    A prefix search is a range, [prefix, next string), exact only in code-point
    order. SQLite compares text that way; on PostgreSQL the column gets the "C"
    collation, so its plain index answers those ranges in order.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters
