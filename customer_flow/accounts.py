"""Sign-in throttling: the client's real address, the lockout page, and a password
change that counts wrong old passwords like wrong sign-ins (django-axes).

Axes locks a *username at an address* (``AXES_LOCKOUT_PARAMETERS``), so a stranger
guessing a colleague's password locks only themselves. That needs the client's
real address: behind a reverse proxy ``REMOTE_ADDR`` is the proxy's, and every
user would share one lock. ``client_ip`` reads ``X-Forwarded-For`` only when
``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in front.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting ``X-Forwarded-For`` only as far as our own
    ``TRUSTED_PROXY_COUNT`` proxies: each appends the address it was connected
    from, so the client is that many entries from the right of the chain (with
    ``REMOTE_ADDR``, the last proxy, at the end). Entries further left are the
    client's own claims and are never believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    chain.append(remote)
    address = chain[max(len(chain) - 1 - count, 0)]
    return address if _valid(address) else remote


def lockout_ends(request: HttpRequest, username: str) -> datetime | None:
    """When the lock on this username at this address ends."""
    cool_off = get_cool_off(request)
    attempt = (
        AccessAttempt.objects.filter(
            username=username, ip_address=get_client_ip_address(request)
        )
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None or cool_off is None:
        return None
    return attempt.attempt_time + cool_off


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lockout page (AXES_LOCKOUT_CALLABLE): says when the lock ends."""
    username = (credentials or {}).get("username") or getattr(
        request.user, "get_username", lambda: ""
    )()
    ends = lockout_ends(request, username)
    minutes = None
    if ends is not None:
        remaining = max(ends - timezone.now(), timedelta(0))
        minutes = max(1, round(remaining.total_seconds() / 60))
    context = {"ends": ends, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The old password is checked through ``authenticate()``, so a wrong one
    counts as a failed sign-in and the account locks as sign-in does."""

    def __init__(
        self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any
    ) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        user = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if user is None or user.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
