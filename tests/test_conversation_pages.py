"""Notifications, saved replies, held mail and the customer's conversation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.mails import make_mail
from tickets import conversation
from tickets.inbound import receive_email
from tickets.models import (
    CannedReply,
    HeldEmail,
    Notification,
    NotificationSettings,
    Ticket,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_bell_counts_unread_and_the_list_marks_them_read(
    client, agent, lead, make_ticket
):
    ticket = make_ticket(subject="Printer <b>fire</b>")
    for _ in range(3):
        conversation.note_create(ticket=ticket, author=agent, body="@lead look")
    client.force_login(lead)
    page = client.get(reverse("dashboard")).text
    assert 'data-unread="3"' in page and "has-unread" in page
    listing = client.get(reverse("tickets:notifications")).text
    assert listing.count("agent mentioned you on") == 3
    assert "Printer &lt;b&gt;fire&lt;/b&gt;" in listing
    assert 'data-unread="0"' in listing
    assert not Notification.objects.unread().exists()


def test_mark_all_read_and_the_email_setting(client, agent, lead, make_ticket):
    conversation.note_create(ticket=make_ticket(), author=agent, body="@lead hi")
    client.force_login(lead)
    client.post(reverse("tickets:notifications_read"))
    assert not Notification.objects.unread().exists()
    response = client.post(reverse("tickets:notification_settings"), {}, follow=True)
    assert "Notification emails are off." in response.text
    assert not NotificationSettings.wants_email(lead)
    client.post(reverse("tickets:notification_settings"), {"email_enabled": "on"})
    assert NotificationSettings.wants_email(lead)


def test_notification_pages_need_the_ticket_permission(outsider_client):
    assert outsider_client.get(reverse("tickets:notifications")).status_code == 403


def test_agents_read_saved_replies_and_only_leads_change_them(
    agent_client, client, lead
):
    canned = CannedReply.objects.create(title="Hello", body="Hi {{ customer.name }}")
    assert "Hi {{ customer.name }}" in agent_client.get(reverse("tickets:canned")).text
    assert agent_client.get(reverse("tickets:canned_create")).status_code == 403
    assert (
        agent_client.post(
            reverse("tickets:canned_delete", args=[canned.pk])
        ).status_code
        == 403
    )
    client.force_login(lead)
    response = client.post(
        reverse("tickets:canned_create"),
        {"title": "Bye", "body": "Bye {{ agent.name }}"},
    )
    assert response.status_code == 302
    assert CannedReply.objects.get(title="Bye").updated_by == lead
    client.post(reverse("tickets:canned_delete", args=[canned.pk]))
    assert not CannedReply.objects.filter(pk=canned.pk).exists()


def test_a_saved_reply_with_template_code_is_refused(lead_client):
    response = lead_client.post(
        reverse("tickets:canned_create"),
        {"title": "Evil", "body": "{{ settings.SECRET_KEY }} {% debug %}"},
    )
    assert response.status_code == 200
    assert "Unknown placeholder {{ settings.SECRET_KEY }}" in response.text
    assert "Only {{ name }} placeholders are allowed" in response.text
    assert not CannedReply.objects.exists()


def test_saved_reply_titles_are_unique_ignoring_case(lead_client):
    CannedReply.objects.create(title="Hello", body="x")
    response = lead_client.post(
        reverse("tickets:canned_create"), {"title": "HELLO", "body": "y"}
    )
    assert "A saved reply with this title already exists." in response.text


def test_the_customer_page_shows_the_conversation_across_tickets(
    agent_client, agent, make_ticket, make_customer
):
    customer = make_customer()
    first, second = make_ticket(customer=customer), make_ticket(customer=customer)
    conversation.reply_create(ticket=first, author=agent, body="first ticket reply")
    from django.core.files.uploadedfile import SimpleUploadedFile

    conversation.note_create(
        ticket=second,
        author=agent,
        body="second ticket note",
        files=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4")],
    )
    page = agent_client.get(customer.get_absolute_url()).text
    assert page.index("second ticket note") < page.index("first ticket reply")
    full = agent_client.get(
        reverse("tickets:customer_conversation", args=[customer.pk])
    ).text
    assert "first ticket reply" in full and "invoice.pdf" in full
    assert f"#{second.pk}" in full


def test_held_mail_is_listed_and_can_be_put_on_a_ticket(
    agent_client, make_ticket_type, settings
):
    settings.INBOUND_UNKNOWN_SENDER = "hold"
    make_ticket_type()
    receive_email(
        make_mail(sender="New Person <new@example.org>", subject="Hello there")
    )
    receive_email(make_mail(sender="x@example.org", subject="Discard me"))
    listing = agent_client.get(reverse("tickets:held")).text
    assert "Hello there" in listing and "Needs a customer" in listing
    accept, discard = HeldEmail.objects.order_by("id")
    response = agent_client.post(
        reverse("tickets:held_action", args=[accept.pk]), {"accept": ""}
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.customer.email == "new@example.org"
    agent_client.post(
        reverse("tickets:held_action", args=[discard.pk]), {"discard": ""}
    )
    assert "No held mail." in agent_client.get(reverse("tickets:held")).text
    assert Ticket.objects.count() == 1
