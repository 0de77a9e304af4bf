"""A support agent's day in a real Chromium, driven by Playwright.

Debian's Chromium is used (Playwright's own download does not work here); `make
test` installs it when missing. These tests are never skipped. On failure the page
is saved to test-artifacts/<test name>.png.
"""

from __future__ import annotations

import os
import re
import shutil
from base64 import b32decode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from customer_flow.serving import running_workers
from customer_flow.two_factor import is_required
from customers.models import Customer, ImportBatch
from tests.databases import database_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"


def _browser_page(request, monkeypatch, live_server, *, javascript: bool):
    # Playwright's sync API runs an event loop in this thread; the test's own
    # database calls are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                problems.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            yield page, problems
        finally:
            report = getattr(request.node, "report_call", None)
            if report is None or report.failed:
                folder = settings.BASE_DIR / "test-artifacts"
                folder.mkdir(exist_ok=True)
                page.screenshot(
                    path=folder / f"{request.node.name}.png", full_page=True
                )
            browser.close()
            # With Playwright's loop running, Django keeps this test's connection in
            # context-local storage that the usual teardown does not see: close it
            # here, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()


@pytest.fixture
def browser_page(request, monkeypatch, live_server):
    yield from _browser_page(request, monkeypatch, live_server, javascript=True)


@pytest.fixture
def no_js_page(request, monkeypatch, live_server):
    yield from _browser_page(request, monkeypatch, live_server, javascript=False)


def sign_in(page, username: str) -> None:
    """Password, then the app's code for users who must use two factors."""
    user = get_user_model().objects.get(username=username)
    device = None
    if is_required(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="phone", defaults={"confirmed": True}
        )
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        expect(page).to_have_url(re.compile(r"/account/two-factor/verify/"))
        page.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def open_count(page) -> str:
    stats = page.get_by_role("region", name="The queue")
    opened = stats.locator("li").filter(
        has=page.get_by_role("link", name="Open", exact=True)
    )
    return opened.locator(".stat-value").inner_text()


def test_an_agent_works_a_customer_from_creation_to_closed_ticket(
    browser_page, lead, make_ticket_type
):
    page, problems = browser_page
    make_ticket_type(name="Billing Inquiry")
    sign_in(page, "lead")
    assert open_count(page) == "0"
    create_a_customer(page)
    find_it_as_you_type(page)
    edit_with_an_invalid_email_then_fix_it(page)
    archive_and_restore(page)
    open_a_ticket_and_comment(page)
    see_it_on_the_dashboard_and_close_it(page)
    assert problems == [], problems  # no CSP violation, no script error


def create_a_customer(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Customers"
    ).click()
    page.get_by_role("link", name="New customer").click()
    page.locator("#id_name").fill("Zed Quinn")
    page.locator("#id_email").fill("zed.quinn@example.com")
    page.locator("#id_phone").fill("+1 (555) 010-2000")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("heading", name="Zed Quinn", level=1)).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("created")


def find_it_as_you_type(page) -> None:
    # "/" focuses the search box and results arrive as you type (htmx).
    page.goto("/customers/")
    page.locator("body").press("/")
    search_box = page.locator("#id_q")
    expect(search_box).to_be_focused()
    search_box.press_sequentially("quin", delay=30)
    results = page.locator("#results")
    expect(results).to_contain_text("1 customer matching “quin”")
    expect(page).to_have_url(re.compile(r"q=quin"))
    search_box.fill("")
    search_box.press_sequentially("555 0102", delay=30)
    expect(results).to_contain_text("Zed Quinn")
    results.get_by_role("link", name="Zed Quinn").click()


def edit_with_an_invalid_email_then_fix_it(page) -> None:
    page.get_by_role("link", name="Edit").click()
    page.locator("#id_email").fill("not-an-email")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#id_email_error")).to_contain_text(
        "Enter a valid email address"
    )
    expect(page.locator("#id_name")).to_have_value("Zed Quinn")
    page.locator("#id_email").fill("zed@example.com")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    expect(page.get_by_text("zed@example.com").first).to_be_visible()


def archive_and_restore(page) -> None:
    # Archiving asks for confirmation.
    page.get_by_role("link", name="Archive").click()
    page.get_by_role("button", name="Archive customer").click()
    expect(page.locator(".notice")).to_contain_text("Archived on")
    page.get_by_role("button", name="Restore").click()
    expect(page.locator(".messages")).to_contain_text("restored")


def open_a_ticket_and_comment(page) -> None:
    # Assigned to me.
    page.get_by_role("link", name="Open a ticket").click()
    page.get_by_label("Type").select_option(label="Billing Inquiry")
    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("Assignee").select_option(label="lead")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Charged twice")

    # Comment on it.
    page.get_by_label("Your note").fill("Refund issued, waiting for the bank.")
    page.get_by_role("button", name="Add note").click()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Refund issued, waiting for the bank.")


def see_it_on_the_dashboard_and_close_it(page) -> None:
    # The dashboard counts it and lists it as mine.
    page.get_by_role("link", name="Dashboard").click()
    assert open_count(page) == "1"
    expect(page.get_by_role("region", name="My open tickets")).to_contain_text(
        "Charged twice"
    )
    page.get_by_role("link", name=re.compile("Charged twice")).click()

    # Close it: the status changes and the timeline records who did it.
    page.get_by_label("Status").select_option(label="Closed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("updated")
    expect(page.get_by_role("region", name="Ticket")).to_contain_text("Closed")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Open → Closed")

    # And the dashboard changes again.
    page.get_by_role("link", name="Dashboard").click()
    assert open_count(page) == "0"
    expect(page.get_by_role("region", name="My open tickets")).to_contain_text(
        "Nothing assigned to you."
    )
    expect(page.locator("svg.chart rect.bar")).to_have_count(30)


def test_search_works_without_javascript(no_js_page, agent, make_customer):
    page, problems = no_js_page
    make_customer(name="Ada Lovelace")
    make_customer(name="Grace Hopper")
    sign_in(page, "agent")
    page.goto("/customers/")
    page.locator("#id_q").fill("grace")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/customers/\?q=grace"))
    expect(page.locator("#results")).to_contain_text("Grace Hopper")
    expect(page.locator("#results")).not_to_contain_text("Ada Lovelace")
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    assert problems == []


@pytest.fixture
def import_workers(settings, monkeypatch, tmp_path, transactional_db):
    """The web process and the workers of `make run` keep uploads in one place."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    with running_workers(env={**os.environ, "DATABASE_URL": database_url()}):
        yield


def import_file(tmp_path):
    """Two rows for Ada and Bob, a new Cy, and enough new rows that the check
    takes a few seconds to watch."""
    many = b"".join(
        f"{i},Customer {i},c{i}@example.com,\n".encode() for i in range(10, 150_010)
    )
    path = tmp_path / "id.csv"
    path.write_bytes(
        b"ID,Name,Email,Phone\n"
        b"1,Ada Lovelace,ada@example.com,020 7946 0001\n"
        b"2,Bob,bob@example.com,\n"
        b",Cy Young,cy@example.com,\n" + many
    )
    return path


@pytest.mark.slow
def test_a_lead_previews_applies_and_undoes_an_import(
    browser_page, lead, make_customer, import_workers, tmp_path
):
    page, problems = browser_page
    make_customer(id=1, name="Ada", email="ada@example.com", phone="020 7946 0001")
    make_customer(id=2, name="Bob", email="bob@example.com", phone="")
    sign_in(page, "lead")
    path = import_file(tmp_path)

    # From the customer list to the upload form; upload a file.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Customers"
    ).click()
    page.get_by_role("link", name="Import customers").click()
    expect(page.get_by_role("heading", name="Import customers")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(path, timeout=60_000)
    page.get_by_role("button", name="Preview").click()

    # The upload returns at once; the page follows the worker's check live.
    progress = page.get_by_role("region", name="Checking this file")
    expect(progress).to_be_visible()
    expect(progress.locator("progress")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Previewed", timeout=120_000
    )
    expect(progress).to_have_count(0)

    # The preview: counts, the change old -> new, nothing written yet.
    number = ImportBatch.objects.get().pk  # IDs are not reset between tests
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Import #{number}: id.csv"
    )
    assert Customer.objects.get(pk=1).name == "Ada"
    rows = page.get_by_role("navigation", name="Show rows")
    changed = rows.get_by_role("link", name="Changed 1", exact=True)
    expect(rows.get_by_role("link", name="New 150001", exact=True)).to_be_visible()
    changed.click()
    expect(page).to_have_url(re.compile(r"kind=changed"))
    table = page.locator("table.batch-rows")
    expect(table).to_contain_text("Name: Ada → Ada Lovelace")
    expect(table).not_to_contain_text("Cy Young")

    # Apply, in the background too; then see the change in the history.
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Import #{number} is being applied: 150001 to create, 1 to update."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Applied", timeout=120_000
    )
    page.locator("table.batch-rows").get_by_role("link", name="#1", exact=True).click()
    expect(page.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
    history = page.get_by_role("region", name="Change history")
    expect(history).to_contain_text(f"Import #{number}: id.csv")
    expect(history).to_contain_text("Name: Ada → Ada Lovelace")

    # Undo the import from the imports page, with confirmation.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Imports"
    ).click()
    page.get_by_role("link", name="id.csv").click()
    page.get_by_role("link", name="Undo this import").click()
    expect(page.get_by_role("heading", name=f"Undo import #{number}?")).to_be_visible()
    # 150,002 customers to undo: a worker does it, the import's page follows it.
    page.get_by_role("button", name="Undo this import").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Import #{number} is being undone: 150001 created to remove, 1 changed"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Reverted", timeout=120_000
    )
    expect(page.get_by_role("status").filter(has_text="reverted")).to_contain_text(
        f"Import #{number} reverted: 150001 created customers removed"
    )

    # The values are back, and the undo is in the history too.
    page.goto("/customers/1/")
    expect(page.get_by_role("heading", name="Ada", level=1)).to_be_visible()
    expect(history).to_contain_text(f"Undo of import #{number}")
    expect(history).to_contain_text("Name: Ada Lovelace → Ada")
    page.goto("/customers/?q=cy")
    expect(page.locator("#results")).to_contain_text("No customers match")
    assert Customer.objects.count() == 2
    assert problems == [], problems  # no CSP violation, no script error


def test_a_lead_sets_up_two_factors_and_later_signs_in_with_a_recovery_code(
    browser_page, lead
):
    page, problems = browser_page
    page.goto("/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Required for leads: set up an authenticator app first.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor sign-in"
    )
    expect(
        page.get_by_role("img", name="QR code for your authenticator app")
    ).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_role("list", name="Recovery codes").locator("code")
    expect(codes).to_have_count(10)
    recovery = codes.nth(0).inner_text()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The phone is lost: password, then a recovery code.
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code").fill(recovery)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".messages")).to_contain_text(
        "You signed in with a recovery code; 9 left."
    )
    page.get_by_role("link", name="Set up a new phone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor sign-in"
    )
    assert problems == [], problems  # no CSP violation, no script error
