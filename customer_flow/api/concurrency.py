"""Optimistic concurrency over HTTP: ``ETag`` on every read of one resource,
``If-Match`` required on every change of it.

A customer's or a ticket's ETag is its ``version`` (raised on every save, the
number the edit pages compare). A ticket's is compared under a row lock held
until the change is written (see ``tickets.TicketViewSet``): the API does not
merge a stale change as the ticket page does, it refuses it.

A change without ``If-Match`` is refused with 428; with an ETag that is no
longer current, with 412 and the current representation (and its ETag), so
the caller can redo the change on top of it.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api.errors import PreconditionRequired


def etag(tag: str) -> str:
    return f'"{tag}"'


def if_match(request: Request) -> set[str]:
    """The ETags the request's If-Match header names (weak ones compared as
    strong: W/"3" matches "3"); 428 when there is no header."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return {tag for tag in tags if tag}


def matches(request: Request, current: str) -> bool:
    tags = if_match(request)
    return "*" in tags or etag(current) in tags


def with_etag(response: Response, tag: str) -> Response:
    response["ETag"] = etag(tag)
    return response


def precondition_failed(data: Any, tag: str) -> Response:
    """412 with the resource as it is now."""
    body = {
        "detail": "Someone changed this since you read it; nothing was saved. "
        "The current version is below, with its ETag: apply your change to it "
        "and send it again with that ETag.",
        "current": data,
    }
    return with_etag(Response(body, status=status.HTTP_412_PRECONDITION_FAILED), tag)
