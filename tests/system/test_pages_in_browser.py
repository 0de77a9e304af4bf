"""Every staff page, found from the URL resolver, in a real Chromium on a phone and
on a desktop: no sideways scrolling on a 390×844 phone, a header no taller than
64 px, and axe-core (the npm package's axe.min.js, shipped inside the
axe-playwright-python wheel; no CDN) reports no serious or critical violation.

New pages are covered without editing this file: they are discovered like the URL
sweep in test_access.py does. A page whose URL takes an object ID gets the ID of
the object of its kind made by ``one_of_each`` (``KIND_BY_PREFIX`` says which kind
a URL prefix means): when you add a kind of object, add it there. On failure each
page is saved to test-artifacts/<viewport>-<page>.png.
"""

from __future__ import annotations

import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from customers.models import Customer
from tests.system.test_access import ALL
from tests.system.test_browser import _browser_page
from tickets.canned import CannedReply
from tickets.models import Ticket, TicketComment, TicketType

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HEADER_MAX_PX = 64
# Longest URL prefix first: which object an <int:...> in a URL stands for.
KIND_BY_PREFIX = [
    ("/customers/imports/", "batch"),
    ("/tickets/new/", "customer"),
    ("/tickets/types/", "ticket_type"),
    ("/tickets/saved-replies/", "canned_reply"),
    ("/tickets/customers/", "customer"),
    ("/tickets/", "ticket"),
    ("/customers/", "customer"),
]
# Pages every staff page test must find (so discovery cannot quietly find none).
MUST_FIND = {
    "dashboard",
    "customers:list",
    "customers:detail",
    "customers:edit",
    "customers:create",
    "customers:import",
    "customers:batches",
    "customers:batch",
    "tickets:list",
    "tickets:detail",
    "tickets:create",
    "tickets:new",
    "tickets:types",
    "tickets:held",
    "tickets:notifications",
    "tickets:canned",
    "tickets:canned_edit",
    "tickets:customer_conversation",
    "password_change",
    "two_factor:manage",
    "api_tokens:list",
}
SERIOUS = {"serious", "critical"}
AXE = Axe()


@pytest.fixture
def one_of_each(db) -> dict[str, int]:
    """One object of each kind a staff page shows, with some history."""
    from customers.importing import preview_import

    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    boss.groups.set(Group.objects.all())
    ticket_type = TicketType.objects.create(code="1", name="Technical Issue")
    customer = Customer.objects.create(
        name="María José Carreño Quiñones",
        email="maria.jose.carreno.quinones@example-company.co.uk",
        phone="+44 20 7946 0958",
    )
    customer.name = "María José Carreño-Quiñones"
    customer.save()
    ticket = Ticket.objects.create(
        customer=customer,
        ticket_type=ticket_type,
        subject="The invoice for March was charged twice to the company card",
        description="Long description. " * 20,
        assignee=boss,
        priority=3,
    )
    TicketComment.objects.create(ticket=ticket, author=boss, body="Refund issued.")
    canned = CannedReply.objects.create(
        title="Refund on its way",
        body="Hello {{ customer.first_name }}, the refund is on its way.",
    )
    csv = (
        "ID,Name,Email,Phone\n"
        f"{customer.pk},Maria Carreno,maria.jose.carreno.quinones@example-company"
        ".co.uk,\n,New Person,new.person@example.com,555 0100\n,Bad,not-an-email,\n"
    )
    _, batch = preview_import(
        io.BytesIO(csv.encode()), user=boss, skip_invalid=True, file_name="id.csv"
    )
    return {
        "user": boss.pk,
        "customer": customer.pk,
        "ticket": ticket.pk,
        "ticket_type": ticket_type.pk,
        "batch": batch.pk,
        "canned_reply": canned.pk,
    }


def _with_ids(path: str, ids: dict[str, int]) -> str:
    for prefix, kind in KIND_BY_PREFIX:
        if path.startswith(prefix):
            return path.replace("/1/", f"/{ids[kind]}/")
    return path


def staff_pages(client: Client, ids: dict[str, int]) -> dict[str, str]:
    """Every URL of the app (the admin aside) that answers the boss's GET with an
    HTML page: POST-only actions (405), downloads and redirects are not pages."""
    pages = {}
    for name, path in ALL:
        # The API's pages (DRF's browsable API, Swagger UI) are for integrators,
        # drawn by those libraries, not staff pages.
        if name in {"logout", "healthz", "login"} or name.startswith("api:"):
            continue
        url = _with_ids(path, ids)
        response = client.get(url)
        if response.status_code == 200 and _is_document(response):
            pages[name] = url
    return pages


def _is_document(response) -> bool:
    """A whole HTML page, not a fragment that htmx swaps into one."""
    html = "text/html" in response["Content-Type"]
    return html and response.content.lstrip()[:15].lower() == b"<!doctype html>"


def _signed_in(page, live_server, user_pk: int) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_pk))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "url": live_server.url,
            }
        ]
    )


def _problems(page, viewport: str) -> list[str]:
    problems = []
    if viewport == "phone":
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - "
            "document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"scrolls sideways by {overflow} px")
        header = page.locator(".site-header").bounding_box()
        if header and header["height"] > HEADER_MAX_PX:
            problems.append(f"header is {header['height']:.0f} px tall")
    results = AXE.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"axe {violation['id']} ({violation['impact']}): {targets}")
    return problems


@pytest.fixture
def browser_page(request, monkeypatch, live_server):
    yield from _browser_page(request, monkeypatch, live_server, javascript=True)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_staff_page_fits_a_phone_and_passes_axe(
    browser_page, live_server, one_of_each, viewport
):
    page, errors = browser_page
    client = Client()
    client.force_login(get_user_model().objects.get(pk=one_of_each["user"]))
    pages = staff_pages(client, one_of_each)
    assert MUST_FIND <= set(pages), MUST_FIND - set(pages)

    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    _signed_in(page, live_server, one_of_each["user"])
    failures = {}
    for name, url in sorted(pages.items()):
        response = page.goto(url)
        assert response is not None and response.status == 200, (name, url)
        problems = _problems(page, viewport)
        if problems:
            failures[name] = problems
            folder = settings.BASE_DIR / "test-artifacts"
            folder.mkdir(exist_ok=True)
            safe = re.sub(r"\W+", "-", name)
            page.screenshot(path=folder / f"{viewport}-{safe}.png", full_page=True)
    assert failures == {}
    assert errors == [], errors  # no CSP violation, no script error


def test_on_a_phone_the_queue_shows_status_priority_and_assignee(
    browser_page, live_server, one_of_each
):
    page, _ = browser_page
    page.set_viewport_size(PHONE)
    _signed_in(page, live_server, one_of_each["user"])
    page.goto("/tickets/")
    row = page.locator("table.data tbody tr").first
    for label in ["Status", "Priority", "Assignee"]:
        cell = row.locator(f'td[data-label="{label}"]')
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], label


def test_on_a_phone_reply_and_update_come_before_the_timeline(
    browser_page, live_server, one_of_each
):
    page, _ = browser_page
    page.set_viewport_size(PHONE)
    _signed_in(page, live_server, one_of_each["user"])
    page.goto(f"/tickets/{one_of_each['ticket']}/")

    def top(name: str) -> float:
        return page.get_by_role("heading", name=name, exact=True).bounding_box()["y"]

    assert top("Reply to customer") < top("Timeline")
    assert top("Internal note") < top("Timeline")
    assert top("Update") < top("Timeline")


def test_the_header_menu_opens_on_a_phone(browser_page, live_server, one_of_each):
    page, _ = browser_page
    page.set_viewport_size(PHONE)
    _signed_in(page, live_server, one_of_each["user"])
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.get_by_role("button", name="Menu").click()
    nav.get_by_role("link", name="Tickets").click()
    assert page.get_by_role("heading", name="Tickets", level=1).is_visible()


def test_a_failed_form_focuses_its_error_summary_which_links_to_the_field(
    browser_page, live_server, one_of_each
):
    page, _ = browser_page
    _signed_in(page, live_server, one_of_each["user"])
    page.goto("/customers/new/")
    expect(page.locator("#id_name")).to_be_focused()
    page.locator("#id_email").fill("maria.jose.carreno.quinones@example-company.co.uk")
    page.get_by_role("button", name="Create customer").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Name").click()
    expect(page.locator("#id_name")).to_be_focused()
    summary.get_by_role("link", name=f"customer {one_of_each['customer']}").click()
    assert re.search(rf"/customers/{one_of_each['customer']}/$", page.url)


def test_the_admin_customer_list_fits_1366_px_with_phones_on_one_line(
    browser_page, live_server, one_of_each
):
    page, _ = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _signed_in(page, live_server, one_of_each["user"])
    page.goto("/admin/customers/customer/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    header = page.locator("th.column-updated_at").bounding_box()
    assert header["x"] + header["width"] <= 1366
    # The phone's text is on one line: its text's boxes share one top.
    lines = page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.querySelector('td.field-phone'));
          return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }"""
    )
    assert lines == 1


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_sign_in_and_two_factor_pages_fit_a_phone_and_pass_axe(
    browser_page, live_server, lead, viewport
):
    page, _ = browser_page
    page.set_viewport_size(PHONE if viewport == "phone" else DESKTOP)
    page.goto("/login/")
    assert _problems(page, viewport) == []
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    heading = page.get_by_role("heading", name="Set up two-factor sign-in")
    expect(heading).to_be_visible()
    assert _problems(page, viewport) == []
