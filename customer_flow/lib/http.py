"""Request types for views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that got past the sign-in check (every page but sign-in and
    /healthz): its ``user`` is a real user, never AnonymousUser."""

    user: User
