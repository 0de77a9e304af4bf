"""Keyset ("cursor") pagination: each page is read from where the last one
stopped, so page 10,000 costs what page 1 costs (no OFFSET, no COUNT).

``?ordering=`` picks one of the list's orderings (each ends with ``id``, so rows
never tie); the cursor in the ``next`` and ``previous`` links holds the ordering
values of the page's last (or first) row and the direction. Unlike DRF's own
cursor pagination, which positions on the first field and counts ties with an
OFFSET (and stops counting at 1,000), every ordering field is in the key: a
queue of 50,000 normal-priority tickets pages as fast and as exactly as IDs.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 500
PAGE_SIZE_MESSAGE = f"Send a whole number from 1 to {MAX_PAGE_SIZE}."
INVALID_CURSOR = "This cursor is not one this list gave out; start from the first page."


def after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows after ``values`` in ``ordering``: (a, b, c) > (x, y, z) spelled out,
    plus ``a >= x`` on its own so the database starts its index scan there."""
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        beyond = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{beyond}": value})
        equal &= Q(**{name: value})
    first = ordering[0].lstrip("-")
    start = "lte" if ordering[0].startswith("-") else "gte"
    return Q(**{f"{first}__{start}": values[0]}) & condition


def _exact(value: Any) -> str:
    """Datetimes to the microsecond (DjangoJSONEncoder stops at milliseconds,
    which would repeat or skip rows saved within the same millisecond)."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def reverse(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in ordering)


class KeysetPagination(CursorPagination):
    """By ID (oldest first) unless the view offers ``orderings``."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering_param = "ordering"

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.key = self.get_ordering(request, queryset, view)
        values, backwards = self.decode(request)
        order = reverse(self.key) if backwards else self.key
        rows = queryset.order_by(*order)
        if values is not None:
            rows = rows.filter(after(order, values))
        page = list(rows[: self.page_size + 1])
        more = len(page) > self.page_size
        page = page[: self.page_size]
        if backwards:
            page.reverse()
        self.shown = page
        started = values is not None
        self.has_next = bool(page) and (more if not backwards else started)
        self.has_previous = bool(page) and (started if not backwards else more)
        return page

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self) -> str | None:
        return self.link(self.shown[-1], backwards=False) if self.has_next else None

    def get_previous_link(self) -> str | None:
        return self.link(self.shown[0], backwards=True) if self.has_previous else None

    def link(self, row: Any, *, backwards: bool) -> str:
        values = [getattr(row, field.lstrip("-")) for field in self.key]
        payload = json.dumps({"v": values, "b": backwards}, default=_exact)
        cursor = base64.urlsafe_b64encode(payload.encode()).decode()
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def decode(self, request: Request) -> tuple[list[Any] | None, bool]:
        text = request.query_params.get(self.cursor_query_param)
        if not text:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(text.encode()))
            values, backwards = data["v"], data["b"]
        except (binascii.Error, ValueError, TypeError, KeyError):
            raise NotFound(INVALID_CURSOR) from None
        valid = isinstance(values, list) and len(values) == len(self.key)
        if not valid or not isinstance(backwards, bool):
            raise NotFound(INVALID_CURSOR)
        if any(not isinstance(v, str | int) or isinstance(v, bool) for v in values):
            raise NotFound(INVALID_CURSOR)
        return values, backwards

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

    def get_page_size(self, request: Request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return int(self.page_size or settings.API_PAGE_SIZE)
        if len(values) > 1 or not values[0].isdigit():
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_MESSAGE]})
        size = int(values[0])
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_MESSAGE]})
        return size

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
