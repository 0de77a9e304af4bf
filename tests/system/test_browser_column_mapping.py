"""A lead imports a contacts export whose columns have other names: the mapping
step in a real Chromium, on a phone, checked by axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from customers.models import ColumnMapping, ImportBatch
from tests.system.test_browser import browser_page, sign_in  # noqa: F401
from tests.system.test_pages_in_browser import PHONE, _problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_lead_maps_the_columns_of_a_contacts_export(
    browser_page,  # noqa: F811
    lead,
    task_workers,
):
    page, problems = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "lead")
    page.goto("/customers/imports/new/")
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "contacts.csv",
                "mimeType": "text/csv",
                "buffer": (
                    b"Full name,E-mail Address,Mobile Phone,Company\n"
                    b"Ada Lovelace,ada@example.com,020 7946 0001,Analytical\n"
                ),
            }
        ]
    )
    page.get_by_role("button", name="Preview").click()

    # The check refuses the file and offers the mapping step.
    match = page.get_by_role("link", name="Match the columns")
    expect(match).to_be_visible(timeout=30_000)
    match.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Match the columns of contacts.csv"
    )
    expect(page.get_by_label("Name")).to_have_value("0")
    expect(page.get_by_label("Email")).to_have_value("1")
    expect(page.get_by_label("Phone")).to_have_value("2")
    expect(page.get_by_label("ID")).to_have_value("")
    expect(page.locator("main")).to_contain_text("Not imported: Company.")
    assert _problems(page, "phone") == []

    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Previewed", timeout=30_000
    )
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.created) == ("contacts.csv", 1)
    assert ColumnMapping.objects.get().columns == {
        "name": "Full name",
        "email": "E-mail Address",
        "phone": "Mobile Phone",
    }
    assert problems == []
