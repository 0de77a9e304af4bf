"""The OpenAPI schema: valid, served to signed-in callers, and every operation
survives generated input (schemathesis, property-based): no 500, responses as
the schema says."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import (  # noqa: I001
    response_schema_conformance,
)

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi_3():
    validate_schema(SCHEMA)
    assert SCHEMA["openapi"].startswith("3.")
    assert "/api/v1/customers/{id}/" in SCHEMA["paths"]


def test_the_schema_and_docs_need_a_signed_in_caller(db, agent_api):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    assert agent_api.get("/api/v1/schema/").status_code == 200
    docs = agent_api.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


schema = schemathesis.openapi.from_dict(SCHEMA)
schema.app = get_wsgi_application()


@pytest.fixture
def in_process():
    """Calls go straight to the WSGI app in this process, inside the test's
    transaction: keep the connection open between requests, as Django's test
    client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(in_process, lead, make_ticket, make_customer):
    """A few rows so that IDs like 1 and 2 exist, and a lead's token."""
    from customer_flow.api.tokens import token_create

    lead.is_superuser = True  # every operation reachable, ticket types too
    lead.save()
    make_customer(id=1, name="Ada", email="ada@example.com")
    make_ticket(customer=make_customer())
    _token, secret = token_create(user=lead, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_fails_on_generated_input(case, world, settings_no_throttle):
    response = case.call(headers=world)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    case.validate_response(response, checks=[response_schema_conformance])
