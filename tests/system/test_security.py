from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

PASSWORD = "correct horse battery staple"


def test_pages_send_a_strict_content_security_policy(agent_client):
    policy = agent_client.get(reverse("dashboard"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_production_settings_send_hsts_and_secure_cookies(client, settings, agent):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.post(
        reverse("login"),
        {"username": "agent", "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert response["X-Frame-Options"] == "DENY"


def test_repeated_wrong_passwords_lock_the_account_out_until_the_cool_off(
    client, agent
):
    statuses = [
        client.post(
            reverse("login"), {"username": "agent", "password": "wrong"}
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.text
    assert "_auth_user_id" not in client.session

    # Once the cool-off time has passed, the right password works again.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    response = client.post(
        reverse("login"), {"username": "agent", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_lockout_has_an_expiry(settings):
    assert settings.AXES_COOLOFF_TIME is not None
    assert settings.AXES_COOLOFF_TIME.total_seconds() > 0


@pytest.mark.django_db
def test_sign_in_refuses_a_post_without_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "agent", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_only(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    assert agent_client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in agent_client.session
