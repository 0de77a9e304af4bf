"""Two-factor sign-in (django-otp): who needs it, and the gate that asks for it.

After the password, a user with an authenticator app (a confirmed TOTP device)
must give a code from it, or one of their recovery codes, before any other page;
a user who *must* use two factors (superusers and the groups in
``TWO_FACTOR_REQUIRED_GROUPS`` while ``TWO_FACTOR_REQUIRED`` is on) and has no
device yet is sent to set one up first. The admin is behind the same gate. Other
staff may turn it on from their account page.

What a session still owes is decided once, when the user signs in (or on the
first request of a session that predates this), and kept in the session, so
users without two factors pay no query for it on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

SESSION_KEY = "two_factor"
# What the session still owes: nothing, a code, or setting up an app first.
DONE, NOT_NEEDED, VERIFY, SETUP = "done", "not-needed", "verify", "setup"
# Pages a user may open before giving the second factor.
OPEN_PAGES = {
    "login",
    "logout",
    "healthz",
    "two_factor:verify",
    "two_factor:setup",
    "admin:login",
    "admin:logout",
}
RECOVERY_CODES = 10


def is_required(user: Any) -> bool:
    """Whether this user must sign in with two factors."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if settings.DEBUG and user.get_username() in settings.TWO_FACTOR_DEBUG_EXEMPT:
        return False  # the demo login of `make run` (never with DEBUG off)
    return bool(
        user.is_superuser
        or user.groups.filter(name__in=settings.TWO_FACTOR_REQUIRED_GROUPS).exists()
    )


def owed(user: Any) -> str:
    """What a freshly signed-in user owes: VERIFY, SETUP or NOT_NEEDED."""
    if user_has_device(user):
        return VERIFY
    return SETUP if is_required(user) else NOT_NEEDED


def mark_verified(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = DONE


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with new ones; each works once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return codes


def _on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = owed(user)


def connect_signals() -> None:
    user_logged_in.connect(_on_sign_in, dispatch_uid="two_factor_on_sign_in")


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class TwoFactorMiddleware:
    """Send a signed-in user who still owes a second factor to give it (or to set
    up an app) before any other page. Place after django-otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        state = request.session.get(SESSION_KEY)
        if state is None:  # a session from before two factors existed
            state = request.session[SESSION_KEY] = owed(user)
        if state in (VERIFY, SETUP) and _view_name(request) not in OPEN_PAGES:
            page = "two_factor:verify" if state == VERIFY else "two_factor:setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(page)}?{query}")
        return self.get_response(request)
