"""Bearer tokens: hashed, carry the user's permissions, revocable; sessions
need CSRF."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customer_flow.api.models import ApiToken
from customer_flow.api.tokens import token_create, token_revoke

URL = "/api/v1/customers/"


def test_only_the_digest_is_stored(agent):
    token, secret = token_create(user=agent, name="Shop")
    assert secret.startswith("cf_")
    stored = ApiToken.objects.get()
    assert secret not in (stored.digest, stored.token_key)
    assert stored.name == "Shop"


def test_a_revoked_token_is_refused(agent):
    token, secret = token_create(user=agent, name="Shop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(URL).status_code == 200
    assert token_revoke(user=agent, digest=token.digest)
    assert client.get(URL).status_code == 401


def test_a_token_of_an_inactive_user_is_refused(agent):
    _token, secret = token_create(user=agent, name="Shop")
    agent.is_active = False
    agent.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer cf_wrong",
        "Bearer a b",
        "Bearer cf_\xe9\xe9\xe9",
        "Bearer " + "f" * 5000,
    ],
)
def test_a_bad_authorization_header_is_a_401_never_a_500(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(URL)
    assert response.status_code == 401


def test_a_session_works_and_needs_csrf_for_changes(agent):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(URL).status_code == 200
    body = {"name": "Ada", "email": "ada@example.com"}
    response = client.post(URL, body, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_throttling_is_per_token(bearer, agent, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute"},
    }
    from django.core.cache import cache

    cache.clear()
    first, second = bearer(agent), bearer(agent)
    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(URL).status_code == 200
    cache.clear()
