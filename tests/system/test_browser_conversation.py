"""The conversation journey in a real Chromium: reply with a file, the real SMTP
server receives it, the customer's answer is piped to receive_email, the ticket
reopens and the assignee's bell shows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.databases import database_url
from tests.mails import make_mail
from tests.system import test_browser
from tickets.models import Ticket

browser_page = test_browser.browser_page  # the fixture, shared
sign_in = test_browser.sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    # The web server (this process) and the workers (other processes) share it.
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


def test_reply_with_a_file_then_the_customer_answers_and_the_bell_rings(
    shared_media,
    mail_server,
    task_workers,
    browser_page,
    lead,
    make_ticket,
    make_customer,
):
    page, problems = browser_page
    customer = make_customer(name="Ann Example", email="ann@example.net")
    ticket = make_ticket(customer=customer, subject="Invoice missing", assignee=lead)
    sign_in(page, "lead")
    expect(page.locator(".bell .count")).to_have_text("0")

    page.goto(ticket.get_absolute_url())
    page.get_by_label("Your reply").fill("Here is your invoice, Ann.")
    page.locator("#reply_attachments").set_input_files(
        files=[
            {
                "name": "invoice.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4 invoice",
            }
        ]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text(
        "Reply queued for ann@example.net"
    )

    [sent] = mail_server.wait_for(1, timeout=60)
    assert sent["To"] == "ann@example.net"
    assert sent["Subject"] == f"[#{ticket.pk}] Re: Invoice missing"
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    page.reload()
    expect(page.locator(".entry.reply .send-state")).to_have_text("Sent")

    # The agent resolves the ticket; then the customer answers the email.
    page.get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("dd").filter(has_text="Resolved").first).to_be_visible()
    answer = make_mail(
        sender="Ann Example <ann@example.net>",
        subject=f"Re: {sent['Subject']}",
        In_Reply_To=sent["Message-ID"],
        References=f"{sent['References']} {sent['Message-ID']}",
        text="Thanks, but the amount is wrong.",
    )
    piped = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "receive_email"],
        input=answer,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": database_url()},
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert re.match(rb"added to ticket #\d+", piped.stdout)

    page.reload()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    expect(page.locator(".entry.inbound")).to_contain_text("the amount is wrong")
    expect(page.locator(".bell .count")).to_have_text("1")
    page.locator(".bell").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"The customer replied on #{ticket.pk}"
    )
    assert problems == [], problems
