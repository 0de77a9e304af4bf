"""Sign-in throttling behind a proxy, the lockout page, unlocking, and a password
change that is throttled like sign-in (security review, 1.3 and 1.4)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from customer_flow.accounts import client_ip

PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.2"
STRANGER = "198.51.100.66"
COLLEAGUE = "203.0.113.9"


def behind_proxy(address: str, claimed: str = "") -> dict[str, str]:
    """What the app sees from the reverse proxy for a client at ``address`` (who
    may have sent an ``X-Forwarded-For`` of their own, which the proxy keeps)."""
    forwarded = f"{claimed}, {address}" if claimed else address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def sign_in(client: Client, password: str, **meta: str):
    return client.post(
        reverse("login"), {"username": "agent", "password": password}, **meta
    )


def test_the_client_address_is_read_from_trusted_proxies_only(settings):
    factory = RequestFactory()
    request = factory.get("/", **behind_proxy(COLLEAGUE, claimed="1.2.3.4"))
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == PROXY  # no proxy configured: X-F-F ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == COLLEAGUE  # the client's own claim is not believed
    settings.TRUSTED_PROXY_COUNT = 2  # CDN then proxy: one entry further left
    assert client_ip(request) == "1.2.3.4"
    garbage = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="x, <script>")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(garbage) == PROXY


def test_behind_a_proxy_a_stranger_cannot_lock_a_colleague_out(agent, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(stranger, "wrong", **behind_proxy(STRANGER))
    assert response.status_code == 429
    # The stranger even claims the colleague's address: it is not believed.
    assert (
        sign_in(stranger, PASSWORD, **behind_proxy(STRANGER, COLLEAGUE)).status_code
        == 429
    )
    colleague = Client()
    response = sign_in(colleague, PASSWORD, **behind_proxy(COLLEAGUE))
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(agent.pk)


def test_the_lockout_page_says_when_the_lock_ends(client, agent):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "wrong")
    assert response.status_code == 429
    ends = AccessAttempt.objects.get().attempt_time + settings.AXES_COOLOFF_TIME
    assert f'You can try again at <strong><time datetime="{ends.isoformat()}' in (
        response.text
    )
    assert "in about 15 minutes" in response.text


def test_an_admin_unlocks_an_account_by_deleting_its_attempt(
    client, agent, admin_client
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get()
    changelist = admin_client.get("/admin/axes/accessattempt/?locked_out=yes")
    assert "agent" in changelist.text
    admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, PASSWORD).status_code == 302


def _change(client: Client, old: str):
    return client.post(
        reverse("password_change"),
        {
            "old_password": old,
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
    )


def test_password_change_locks_after_as_many_wrong_old_passwords_as_sign_in(
    agent_client, agent
):
    statuses = [
        _change(agent_client, "wrong").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Locked: even the right old password is refused now, and nothing changed.
    response = _change(agent_client, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_a_wrong_old_password_says_so_and_the_right_one_works(agent_client, agent):
    response = _change(agent_client, "wrong")
    assert "Your old password was entered incorrectly" in response.text
    assert _change(agent_client, PASSWORD).status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a much longer new passphrase")


def test_a_wrong_password_is_said_once_on_the_sign_in_page(client, agent):
    response = sign_in(client, "wrong")
    assert response.text.count("Please enter a correct username and password") == 1
