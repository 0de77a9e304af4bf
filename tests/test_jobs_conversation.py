"""Replies and notification emails sent by a real worker process."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tickets.models import Notification, TicketComment

# The worker is another process: the data must be committed.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("support_groups"),
]


def test_a_reply_posted_on_the_page_is_sent_by_the_worker(
    client, agent, make_ticket, make_customer, mail_server, run_tasks
):
    ticket = make_ticket(customer=make_customer(email="bo@example.org"))
    client.force_login(agent)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]), {"body": "We are on it."}
    )
    assert response.status_code == 302
    reply = TicketComment.objects.get(ticket=ticket)
    assert reply.send_state == "queued"
    assert mail_server.messages == []  # the request did not send it

    run_tasks()

    [message] = mail_server.wait_for(1)
    assert message["To"] == "bo@example.org"
    assert "We are on it." in message.get_body(("plain",)).get_content()
    reply.refresh_from_db()
    assert reply.send_state == "sent"
    page = client.get(ticket.get_absolute_url())
    assert "Sent" in page.text


def test_a_mention_emails_the_colleague_unless_they_turned_emails_off(
    client, agent, lead, make_ticket, mail_server, run_tasks
):
    ticket = make_ticket()
    client.force_login(agent)
    client.post(reverse("tickets:comment", args=[ticket.pk]), {"body": "@lead look"})
    run_tasks()
    [message] = mail_server.wait_for(1)
    assert message["To"] == "lead@example.com"
    assert f"mentioned you on #{ticket.pk}" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"

    client.force_login(lead)
    client.post(reverse("tickets:notification_settings"), {})  # box unticked
    client.force_login(agent)
    client.post(reverse("tickets:comment", args=[ticket.pk]), {"body": "@lead again"})
    run_tasks()
    assert len(mail_server.messages) == 1
    assert Notification.objects.filter(recipient=lead).count() == 2
