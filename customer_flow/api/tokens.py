"""Creating and revoking API tokens: the "API tokens" page and the
``create_api_token`` command call these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from customer_flow.api.models import ApiToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the token itself is returned once and only its
    digest is stored."""
    token, secret = ApiToken.objects.create(user=user, name=name.strip())
    return token, secret


def token_revoke(*, user: User, digest: str) -> bool:
    """Revoke one of ``user``'s tokens; False when they have no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, digest=digest).delete()
    return bool(deleted)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created")
