"""Cursor pagination: each page is read from where the last one stopped, so
page 10,000 costs what page 1 costs (no OFFSET, no COUNT).

``?ordering=`` picks one of the list's orderings; the cursor (``next`` and
``previous`` links) keeps it. DRF's cursor positions on the first ordering
field and counts ties after it, so the first field of each ordering is one an
index keeps sorted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 500


class IdCursorPagination(CursorPagination):
    """By ID (oldest first) unless the view offers ``orderings``."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering_param = "ordering"

    def get_ordering(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> tuple[str, ...]:
        orderings: dict[str, tuple[str, ...]] = getattr(view, "orderings", {})
        if not orderings:
            return (self.ordering,)
        name = request.query_params.get(self.ordering_param) or next(iter(orderings))
        if name not in orderings:
            raise ValidationError(
                {self.ordering_param: [f"Choose one of: {', '.join(orderings)}."]}
            )
        return orderings[name]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        orderings = getattr(view, "orderings", {})
        if orderings:
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": "The order of the list.",
                    "schema": {"type": "string", "enum": list(orderings)},
                }
            )
        return parameters
