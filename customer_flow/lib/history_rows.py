"""History rows written in bulk, the way django-simple-history would write them.

A bulk write (an import, its undo, seed data) runs no model ``save()``, so it
writes the history rows itself: one ``INSERT ... SELECT`` that copies the rows
just written into the model's history table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.backends.utils import CursorWrapper
from django.db.models import Model


@dataclass(frozen=True)
class Copied:
    """A history column's value taken from a column of the rows copied."""

    column: str


def insert_history_rows(
    cursor: CursorWrapper,
    model: type[Model],
    *,
    source: str,
    params: Sequence[Any] = (),
    history_type: str,
    date: datetime | str | Copied,
    reason: str | None = None,
    user_id: int | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Write a history row of ``model`` for each row of ``source``; return how
    many.

    ``source`` is what follows ``FROM``: the rows to copy, named ``c`` and
    having the model's columns (a table or a join, with ``WHERE`` and ``ORDER
    BY``; ``params`` are its parameters). Every column the history tracks is
    copied from ``c`` unless ``values`` gives it; ``values`` may also fill
    extra columns of the history table (``import_batch_id``), and its values
    for columns of the model that the history does not keep are left out.
    """
    db = cursor.db
    quote = db.ops.quote_name
    history = model.history.model  # type: ignore[attr-defined]
    kept = {field.column for field in history._meta.concrete_fields}
    given = dict(values or {})
    expressions: dict[str, str] = {}
    arguments: list[Any] = []

    def put(column: str, value: Any) -> None:
        if isinstance(value, Copied):
            expressions[column] = f"c.{quote(value.column)}"
            return
        if isinstance(value, datetime):
            value = db.ops.adapt_datetimefield_value(value)
        expressions[column] = "%s"
        arguments.append(value)

    for field in model._meta.concrete_fields:
        value = given.pop(field.column, Copied(field.column))
        if field.column in kept:
            put(field.column, value)
    put("history_date", date)
    put("history_change_reason", reason)
    put("history_type", history_type)
    put("history_user_id", user_id)
    for column, value in given.items():
        put(column, value)
    cursor.execute(
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({', '.join(quote(column) for column in expressions)}) "
        f"SELECT {', '.join(expressions.values())} FROM {source}",
        [*arguments, *params],
    )
    return cursor.rowcount
