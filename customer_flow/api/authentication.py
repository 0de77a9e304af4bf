"""Who is calling the API: a hashed Bearer token (django-rest-knox), or the
browser's session (DRF's SessionAuthentication, with its CSRF check).

The body-limit middleware needs the caller before any view runs (a token user
with the import permission may upload more than an anonymous caller), so it
calls ``token_user``; the answer is kept on the request and the view's
authentication reuses it instead of hashing the token twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.request import Request

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from customer_flow.api.models import ApiToken

_CACHE = "_api_token_authentication"
Result = tuple["User", "ApiToken"] | None


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>``; 401 for an unknown or revoked token."""

    def authenticate(self, request: Request) -> Any:
        cached = getattr(request._request, _CACHE, None)
        if cached is not None:
            return cached
        result = super().authenticate(request)
        setattr(request._request, _CACHE, result)
        return result

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            token.decode("ascii")
        except UnicodeDecodeError:  # knox would fail decoding it: not a token
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


def token_user(request: HttpRequest) -> User | None:
    """The user of the request's Bearer token, or None (no token, or a bad one:
    the view then refuses it with 401)."""
    if not request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    cached = getattr(request, _CACHE, None)
    if cached is None:
        try:
            cached = BearerTokenAuthentication().authenticate(Request(request))
        except exceptions.AuthenticationFailed:
            return None
        setattr(request, _CACHE, cached)
    return cached[0] if cached else None
