"""The OpenAPI schema: valid, served to signed-in callers, and every operation
survives generated input (schemathesis, property-based): no 500, responses as
the schema says."""

from __future__ import annotations

import copy
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
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


def _bearer_only(document: dict) -> dict:
    """The schema as a program sees it: authenticated by token only (either
    scheme suffices, which schemathesis's auth checks would read as a flaw)."""
    document = copy.deepcopy(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["security"] = [{"bearerAuth": []}]
    return document


schema = schemathesis.openapi.from_dict(_bearer_only(SCHEMA))
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
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_fails_on_generated_input(case, world, settings_no_throttle):
    response = case.call(headers=world)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    # Three checks do not apply: every request here carries a valid token (the
    # token tests cover bad ones); a schema cannot state every rule of the
    # forms (an email's shape, a phone's digits), so schema-valid input may
    # still be refused with 400; and, as on the pages, an empty filter or
    # ordering means the default and an unknown query parameter is ignored.
    case.validate_response(
        response,
        excluded_checks=[
            ignored_auth,
            positive_data_acceptance,
            negative_data_rejection,
        ],
    )
