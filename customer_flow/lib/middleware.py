"""Turn "the database cannot take writes" into a clear page instead of a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# What SQLite and PostgreSQL say when the database is read-only or out of space.
_WRITE_REFUSED = (
    "attempt to write a readonly database",
    "database or disk is full",
    "read-only transaction",
    "no space left on device",
    "could not extend file",
)


def is_write_refused(error: BaseException) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in _WRITE_REFUSED)


class DatabaseWriteRefusedMiddleware:
    """Answer 503 with an explanation when the database refuses a write.

    The request's own transaction has already been rolled back by then, so the page
    can truthfully say that nothing from this request was saved.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, DatabaseError) and is_write_refused(exception):
            response = TemplateResponse(
                request, "database_unavailable.html", status=503
            )
            response["Retry-After"] = "60"
            return response.render()
        return None
