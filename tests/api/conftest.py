"""API clients: a token (Bearer) per persona, as programs call the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from customer_flow.api.tokens import token_create


@pytest.fixture
def bearer() -> Callable[[object], APIClient]:
    """An API client sending a new token of ``user``."""

    def make(user: object) -> APIClient:
        _token, secret = token_create(user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def lead_api(bearer, lead) -> APIClient:
    return bearer(lead)


@pytest.fixture
def agent_api(bearer, agent) -> APIClient:
    return bearer(agent)


@pytest.fixture
def outsider_api(bearer, outsider) -> APIClient:
    return bearer(outsider)


@pytest.fixture
def settings_no_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None},
    }
