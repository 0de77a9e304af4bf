"""The journeys a person makes around the API: a token from the "API tokens"
page, and the docs page under the strict CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from customer_flow.api.models import ApiToken
from tests.system.test_browser import browser_page, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_create_a_token_copy_it_once_and_revoke_it(browser_page, agent):  # noqa: F811
    page, errors = browser_page
    sign_in(page, "agent")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Shop sync")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("[data-token]").inner_text()
    assert re.fullmatch(r"cf_[0-9a-f]{64}", token)
    assert ApiToken.objects.get().name == "Shop sync"
    page.get_by_role("button", name="Revoke Shop sync").click()
    expect(page.get_by_text("Token revoked")).to_be_visible()
    assert not ApiToken.objects.exists()
    assert errors == []


def test_the_docs_page_shows_the_operations_without_csp_errors(
    browser_page,  # noqa: F811
    agent,
):
    page, errors = browser_page
    sign_in(page, "agent")
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("/api/v1/customers/").first).to_be_visible()
    assert errors == []
