"""The two-factor pages: set up an authenticator app, give a code after the
password (or a recovery code when the phone is lost), see and renew recovery
codes, turn two factors off where they are optional."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from customer_flow.two_factor import (
    SESSION_KEY,
    SETUP,
    VERIFY,
    is_required,
    mark_verified,
    new_recovery_codes,
)

CODES_SESSION_KEY = "two_factor_new_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


def _next(request: HttpRequest, default: str = "dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _qr_svg(device: TOTPDevice) -> SafeString:
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title="QR code for your authenticator app", svgclass="qr"
    )
    # segno's own markup: attributes only, no script or style (the CSP holds).
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def _secret(device: TOTPDevice) -> str:
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup(request: HttpRequest) -> HttpResponse:
    """Scan a QR code, confirm with a first code; recovery codes come next."""
    user = request.user
    if user_has_device(user) and request.session.get(SESSION_KEY) == VERIFY:
        return redirect("two_factor:verify")  # replacing a device needs the old one
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
    form = CodeForm(request.POST or None)
    if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session[CODES_SESSION_KEY] = new_recovery_codes(user)
        otp_login(request, device)
        mark_verified(request)
        messages.success(request, "Two-factor sign-in is on for your account.")
        query = urlencode({"next": _next(request)})
        return redirect(f"{reverse('two_factor:codes')}?{query}")
    if form.is_bound and not form.errors:
        form.add_error("code", "That code is not right. Enter the current one.")
    context = {
        "form": form,
        "qr": _qr_svg(device),
        "secret": _secret(device),
        "required": request.session.get(SESSION_KEY) == SETUP,
        "next": _next(request, ""),
    }
    return render(request, "two_factor/setup.html", context)


def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the app, or a recovery code."""
    user = request.user
    if request.session.get(SESSION_KEY) != VERIFY:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            mark_verified(request)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. If your "
                    "phone is lost, set up the app again now.",
                )
                return redirect("two_factor:manage")
            return redirect(_next(request))
        form.add_error(
            "code",
            "That code is not right. Enter the current code from your app, or "
            "one of your recovery codes (each works once).",
        )
    context = {"form": form, "next": _next(request, "")}
    return render(request, "two_factor/verify.html", context)


def manage(request: HttpRequest) -> HttpResponse:
    """The account's two-factor status and what can be done about it."""
    user = request.user
    static = StaticDevice.objects.filter(user=user).first()
    context = {
        "enabled": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "required": is_required(user),
        "codes_left": static.token_set.count() if static else 0,
    }
    return render(request, "two_factor/manage.html", context)


def codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once."""
    context: dict[str, Any] = {
        "codes": request.session.pop(CODES_SESSION_KEY, None),
        "next": _next(request, ""),
    }
    return render(request, "two_factor/codes.html", context)


@require_POST
def renew_codes(request: HttpRequest) -> HttpResponse:
    if not user_has_device(request.user):
        return redirect("two_factor:manage")
    request.session[CODES_SESSION_KEY] = new_recovery_codes(request.user)
    messages.success(request, "New recovery codes; the old ones no longer work.")
    return redirect("two_factor:codes")


@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    if is_required(request.user):
        messages.error(request, "Your role requires two-factor sign-in.")
        return redirect("two_factor:manage")
    for device in devices_for_user(request.user, confirmed=None):
        device.delete()
    messages.success(request, "Two-factor sign-in is off for your account.")
    return redirect("two_factor:manage")
