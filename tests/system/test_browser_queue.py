"""The queue journey in a real Chromium: a lead saves a shared view and
bulk-assigns its tickets; an agent finds one by #number and by a word from its
messages, uses the keyboard, replies, and the SLA badge changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.system import test_browser
from tickets.models import Ticket, TicketComment

browser_page = test_browser.browser_page  # the fixture, shared
sign_in = test_browser.sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_lead_shares_a_view_bulk_assigns_and_an_agent_finds_and_answers(  # noqa: PLR0915
    browser_page,
    support_groups,
    lead,
    agent,
    make_ticket,
    make_customer,
    mail_server,
    run_tasks,
):
    page, problems = browser_page
    agent.first_name, agent.last_name = "Agnes", "Smith"
    agent.save()
    customer = make_customer(name="Ann Example", email="ann@example.net")
    urgent = [
        make_ticket(subject=f"Outage {n}", priority=4, customer=customer)
        for n in range(3)
    ]
    make_ticket(subject="Low one", priority=1, customer=customer)
    TicketComment.objects.create(
        ticket=urgent[1],
        kind="inbound",
        body="The flux capacitor smokes",
        from_address="ann@example.net",
    )
    # Overdue: its first response was due an hour ago.
    Ticket.objects.filter(pk=urgent[1].pk).update(
        due_at=timezone.now() - timedelta(hours=1),
        first_response_due_at=timezone.now() - timedelta(hours=1),
    )

    sign_in(page, "lead")
    page.goto("/tickets/?priority=4")
    page.get_by_label("Save this view as").fill("Urgent ones")
    page.get_by_label("Share with the team").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".messages")).to_contain_text("View “Urgent ones” saved.")
    views = page.get_by_role("navigation", name="Queue views")
    expect(views.get_by_role("link", name=re.compile("Urgent ones 3"))).to_be_visible()

    page.get_by_label("All 3 matching this view").check()
    page.get_by_label("Assign to").select_option(label="Agnes Smith")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Assign to Agnes Smith on 3 tickets?"
    )
    page.get_by_role("button", name="Yes, change 3 tickets").click()
    expect(page.locator(".messages")).to_contain_text("on 3 tickets.")
    assert Ticket.objects.filter(assignee=agent).count() == 3

    # The agent, in the same browser: finds the ticket by #number and by a word.
    page.context.clear_cookies()
    sign_in(page, "agent")
    expect(
        page.get_by_role("region", name="The queue").get_by_role("link", name="Overdue")
    ).to_be_visible()
    page.locator("#header-q").fill(f"#{urgent[0].pk}")
    page.locator("#header-q").press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{urgent[0].pk}/$"))

    page.goto("/tickets/")
    page.locator("#id_q").fill("capacitor")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table[data-queue] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Outage 1")
    expect(rows.first.locator(".sla-overdue")).to_have_text("Overdue")

    # Keyboard: j chooses the row, Enter opens it, r goes to the reply box.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{urgent[1].pk}/$"))
    expect(page.locator('[data-sla-state="overdue"]')).to_be_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")
    expect(page.locator("#reply_body")).to_be_focused()
    page.keyboard.type("We are on it, Ann.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text("Reply queued")
    run_tasks()
    page.reload()
    expect(page.locator('[data-sla-state="overdue"]')).to_have_count(0)
    expect(page.locator("dd").filter(has_text="Sent")).to_be_visible()
    assert problems == [], problems


def test_the_shortcut_list_opens_with_a_question_mark_and_never_while_typing(
    browser_page, support_groups, agent, make_ticket
):
    page, problems = browser_page
    ticket = make_ticket(subject="Keyboard")
    sign_in(page, "agent")
    page.goto(ticket.get_absolute_url())
    page.locator("#reply_body").fill("a?jk")  # typing: no shortcut fires
    expect(page.locator("#shortcuts")).not_to_be_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # assign to me
    expect(page.locator(".messages")).to_contain_text("updated")
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert problems == [], problems
