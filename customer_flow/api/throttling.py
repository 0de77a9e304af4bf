"""Requests per token (or per signed-in user for the browser's session)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATE`` requests per token; each token of a user has its own
    allowance. Counted in the cache (per process with the default cache)."""

    scope = "token"

    def get_rate(self) -> str | None:
        # Read on each request (DRF reads it once, at import).
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate else None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "token_key"):
            ident = f"token-{token.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
