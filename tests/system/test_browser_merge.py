"""A lead finds a duplicate pair, merges it choosing a field from each, sees the
tickets on the survivor, and undoes the merge: in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from tests.system.test_browser import browser_page, sign_in  # noqa: F401
from tickets.models import Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_lead_merges_a_duplicate_pair_and_undoes_it(
    browser_page,  # noqa: F811
    lead,
    make_customer,
    make_ticket,
):
    page, problems = browser_page
    keep = make_customer(name="Ada Lovelace", email="ada@example.com", phone="555 0100")
    other = make_customer(
        name="Ada King Lovelace", email="ada.king@example.com", phone="5550100"
    )
    for _ in range(2):
        make_ticket(customer=other)
    sign_in(page, "lead")

    page.goto("/customers/")
    page.get_by_role("link", name="Possible duplicates").click()
    expect(page.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    page.get_by_role("link", name="Compare and merge").click()
    expect(page.get_by_role("heading", name="Merge customers")).to_be_visible()
    page.get_by_label(f"Keep #{keep.pk}").check()
    page.get_by_label("Ada King Lovelace").check()  # the other's name
    page.get_by_label("ada@example.com").check()  # the survivor's email
    page.get_by_role("button", name="Merge 2 customers").click()

    expect(
        page.get_by_role("heading", name="Ada King Lovelace", level=1)
    ).to_be_visible()
    assert Ticket.objects.filter(customer_id=keep.pk).count() == 2
    expect(page.get_by_role("region", name="Tickets")).to_contain_text("#")
    page.get_by_role("link", name="Undo this merge").click()
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
    assert Ticket.objects.filter(customer_id=other.pk).count() == 2
    assert Customer.objects.get(pk=other.pk).merged_into_id is None
    assert problems == [], problems
