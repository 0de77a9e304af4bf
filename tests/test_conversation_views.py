"""The conversation on the ticket page: replies, notes, files, saved replies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.ticket_forms import change_data
from tickets import conversation
from tickets.models import Attachment, CannedReply, Notification, Ticket, TicketComment


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ticket(make_ticket, make_customer):
    return make_ticket(
        customer=make_customer(name="Ann <b>Example</b>", email="ann@example.net")
    )


def _reply_url(ticket: Ticket) -> str:
    return reverse("tickets:reply", args=[ticket.pk])


def test_a_reply_is_queued_and_the_page_says_to_whom(agent_client, ticket):
    response = agent_client.post(_reply_url(ticket), {"body": "We are on it."})
    assert response.status_code == 302
    reply = TicketComment.objects.get()
    assert (reply.kind, reply.send_state, reply.to_address) == (
        "reply",
        "queued",
        "ann@example.net",
    )
    assert DBTaskResult.objects.count() == 1
    page = agent_client.get(ticket.get_absolute_url())
    assert "Reply queued for ann@example.net." in page.text
    assert "Waiting to be sent" in page.text


def test_replying_needs_the_reply_permission(client, make_user_with, ticket):
    viewer = make_user_with("view_ticket", "add_ticketcomment")
    client.force_login(viewer)
    assert client.post(_reply_url(ticket), {"body": "x"}).status_code == 403
    page = client.get(ticket.get_absolute_url())
    assert "Reply to customer" not in page.text and "Internal note" in page.text
    assert not TicketComment.objects.exists()


def test_an_empty_reply_is_refused_with_the_form_back(agent_client, ticket):
    response = agent_client.post(_reply_url(ticket), {"body": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not TicketComment.objects.exists()


def test_a_file_over_the_limit_is_refused_while_reading_and_nothing_is_saved(
    agent_client, ticket, settings
):
    settings.ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"x" * 5000)
    response = agent_client.post(
        _reply_url(ticket), {"body": "see file", "attachments": big}
    )
    assert response.status_code == 200
    assert "“big.pdf” is larger than" in response.text
    assert not TicketComment.objects.exists() and not Attachment.objects.exists()


def test_a_body_announced_over_the_message_limit_is_refused_before_reading(
    agent_client, ticket, settings
):
    settings.MESSAGE_MAX_BYTES = 10_000
    files = [SimpleUploadedFile(f"f{n}.txt", b"y" * 9000) for n in range(40)]
    response = agent_client.post(
        _reply_url(ticket), {"body": "x", "attachments": files}
    )
    assert response.status_code == 200
    assert "The attachments together are larger than" in response.text
    assert not TicketComment.objects.exists()


def test_a_note_with_files_and_a_mention_links_and_notifies(
    agent_client, agent, lead, ticket
):
    upload = SimpleUploadedFile("notes.txt", b"plain notes")
    response = agent_client.post(
        reverse("tickets:comment", args=[ticket.pk]),
        {"body": "@lead <script>x</script> and @nobody", "attachments": upload},
    )
    assert response.status_code == 302
    note = TicketComment.objects.get()
    assert note.kind == "note" and list(note.mentions.all()) == [lead]
    assert Notification.objects.get().recipient == lead
    page = agent_client.get(ticket.get_absolute_url()).text
    assert (
        f'<a class="mention" href="/tickets/?assignee={lead.pk}&amp;status=all">'
        "@lead</a>" in page
    )
    assert "@nobody" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "notes.txt" in page


def test_notes_and_replies_look_different(agent_client, agent, ticket):
    conversation.note_create(ticket=ticket, author=agent, body="internal")
    conversation.reply_create(ticket=ticket, author=agent, body="public")
    page = agent_client.get(ticket.get_absolute_url()).text
    assert 'class="entry note"' in page and 'class="entry reply"' in page
    assert "Internal note" in page and "Reply to customer" in page


def test_a_saved_reply_is_inserted_without_javascript(agent_client, agent, ticket):
    canned = CannedReply.objects.create(
        title="Thanks",
        body="Hi {{ customer.first_name }}, ticket {{ ticket.number }}. "
        "{{ agent.name }}",
    )
    response = agent_client.post(
        _reply_url(ticket), {"insert": "", "canned": canned.pk, "body": "Typed first."}
    )
    assert response.status_code == 200
    assert (
        f"Typed first.\n\nHi Ann, ticket {ticket.pk}. agent</textarea>" in response.text
    )
    assert not TicketComment.objects.exists()


def test_inserting_without_choosing_says_so(agent_client, ticket):
    response = agent_client.post(_reply_url(ticket), {"insert": "", "body": "kept"})
    assert "Choose a saved reply to insert." in response.text
    assert "kept</textarea>" in response.text


def test_a_failed_reply_shows_the_reason_and_can_be_sent_again(
    agent_client, agent, ticket
):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hello")
    TicketComment.objects.filter(pk=reply.pk).update(
        send_state="failed", send_error="The mail server said 550 No such user"
    )
    page = agent_client.get(ticket.get_absolute_url()).text
    assert "Not sent: The mail server said 550 No such user" in page
    assert "Send again" in page
    response = agent_client.post(reverse("tickets:send_again", args=[reply.pk]))
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.send_state, reply.send_error) == ("queued", "")
    again = agent_client.post(
        reverse("tickets:send_again", args=[reply.pk]), follow=True
    )
    assert "nothing to do" in again.text


def test_an_attachment_downloads_only_as_a_file_with_safe_headers(
    agent_client, agent, ticket
):
    upload = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script>")
    note = conversation.note_create(
        ticket=ticket, author=agent, body="f", files=[upload]
    )
    attachment = note.attachments.get()
    response = agent_client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<html><script>alert(1)</script>"


def test_a_pdf_keeps_its_type_but_is_still_a_download(agent_client, agent, ticket):
    upload = SimpleUploadedFile("q.pdf", b"%PDF-1.4 x", content_type="text/html")
    note = conversation.note_create(
        ticket=ticket, author=agent, body="f", files=[upload]
    )
    response = agent_client.get(note.attachments.get().get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_timeline_pages_a_long_conversation(
    agent_client, agent, ticket, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(days=1)
    comments = TicketComment.objects.bulk_create(
        TicketComment(ticket=ticket, author=agent, body=f"message {n:03}")
        for n in range(120)
    )
    for n, comment in enumerate(comments):
        TicketComment.objects.filter(pk=comment.pk).update(
            created_at=start + timedelta(minutes=n)
        )
    with django_assert_max_num_queries(17):
        first = agent_client.get(ticket.get_absolute_url()).text
    assert (
        "message 119" in first and "message 070" in first and "message 069" not in first
    )
    assert first.index("message 070") < first.index("message 119")  # oldest first
    assert "Earlier messages" in first
    last = agent_client.get(ticket.get_absolute_url(), {"page": 3}).text
    assert (
        "message 000" in last and "message 020" not in last and "Later messages" in last
    )


def test_assigning_a_ticket_notifies_the_new_assignee(
    agent_client, agent, lead, ticket
):
    agent_client.post(
        reverse("tickets:change", args=[ticket.pk]),
        change_data(ticket, assignee=lead.pk),
    )
    notification = Notification.objects.get(recipient=lead)
    assert notification.kind == "assigned" and notification.actor == agent
    # Assigning yourself notifies nobody.
    agent_client.post(
        reverse("tickets:change", args=[ticket.pk]),
        change_data(ticket, assignee=agent.pk),
    )
    assert Notification.objects.count() == 1
