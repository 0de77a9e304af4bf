"""Replies by email through a real SMTP server (aiosmtpd in this process)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tickets import conversation, outbound
from tickets.models import Notification, Ticket, TicketComment

State = TicketComment.SendState
EVIL = '<script>alert("x")</script> & "quotes" <b>bold</b>'


@pytest.fixture
def ticket(make_ticket, make_customer):
    customer = make_customer(name="Ann Example", email="ann@example.net")
    return make_ticket(customer=customer, subject="Printer on fire")


def _inbound(ticket: Ticket, message_id: str) -> TicketComment:
    return TicketComment.objects.create(
        ticket=ticket,
        kind=TicketComment.Kind.INBOUND,
        body="It is still burning.",
        from_address="ann@example.net",
        message_id=message_id,
    )


def test_a_reply_goes_out_threaded_with_both_parts_escaped_and_its_file(
    ticket, agent, mail_server
):
    _inbound(ticket, "first.question@mail.example.net")
    upload = SimpleUploadedFile("../quote <1>.pdf", b"%PDF-1.4 quote")
    reply = conversation.reply_create(
        ticket=ticket, author=agent, body=f"Hello Ann,\n\n{EVIL}", files=[upload]
    )
    assert DBTaskResult.objects.filter(task_path__endswith="send_reply").count() == 1

    assert outbound.send_reply(reply.pk).state == State.SENT

    [message] = mail_server.messages
    assert mail_server.recipients == [["ann@example.net"]]
    assert message["Subject"] == f"[#{ticket.pk}] Re: Printer on fire"
    assert message["From"] == "Customer Flow Support <support@localhost>"
    assert message["Message-ID"] == f"<{reply.message_id}>"
    assert message["In-Reply-To"] == "<first.question@mail.example.net>"
    assert message["References"].split() == [
        f"<ticket-{ticket.pk}@localhost>",
        "<first.question@mail.example.net>",
    ]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert EVIL in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "quote _1_.pdf"
    assert attachment.get_content() == b"%PDF-1.4 quote"
    assert attachment.get_content_type() == "application/pdf"


def test_the_first_sent_reply_records_the_first_response_once(
    ticket, agent, mail_server
):
    first = conversation.reply_create(ticket=ticket, author=agent, body="One")
    outbound.send_reply(first.pk)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at
    second = conversation.reply_create(ticket=ticket, author=agent, body="Two")
    TicketComment.objects.filter(pk=second.pk).update(
        created_at=timezone.now() + timedelta(hours=1)
    )
    outbound.send_reply(second.pk)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at
    # Each reply answers the one before: the thread keeps growing.
    second_message = mail_server.messages[1]
    assert second_message["In-Reply-To"] == f"<{first.message_id}>"


def test_a_note_is_never_sent(ticket, agent, mail_server):
    note = conversation.note_create(ticket=ticket, author=agent, body="internal")
    assert note.send_state == State.NONE
    assert not DBTaskResult.objects.filter(task_path__endswith="send_reply").exists()
    assert outbound.send_reply(note.pk).state == "missing"
    assert mail_server.messages == []
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_sending_the_same_reply_again_sends_nothing(ticket, agent, mail_server):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Once")
    assert outbound.send_reply(reply.pk).state == State.SENT
    assert outbound.send_reply(reply.pk).state == State.SENT
    assert len(mail_server.messages) == 1


def test_a_refused_connection_is_retried_later_and_then_sent(
    ticket, agent, mail_server
):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Retry me")
    mail_server.stop()  # nothing listens on the port: connection refused

    outcome = outbound.send_reply(reply.pk)

    assert outcome.retry and outcome.state == State.QUEUED
    reply.refresh_from_db()
    assert reply.send_attempts == 1
    assert "Connection refused" in reply.send_error
    later = DBTaskResult.objects.filter(task_path__endswith="send_reply").latest(
        "enqueued_at"
    )
    assert later.run_after > timezone.now() + timedelta(seconds=30)

    mail_server.start()
    assert outbound.send_reply(reply.pk).state == State.SENT
    assert len(mail_server.messages) == 1
    reply.refresh_from_db()
    assert (reply.send_state, reply.send_error, reply.send_attempts) == ("sent", "", 2)


def test_a_4xx_answer_is_retried_and_a_5xx_fails_at_once_and_tells_the_author(
    ticket, agent, mail_server
):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hello")
    mail_server.recorder.refuse_with = "451 4.3.0 Mailbox busy, try later"
    assert outbound.send_reply(reply.pk).state == State.QUEUED
    mail_server.recorder.refuse_with = "550 5.1.1 No such user here"
    outcome = outbound.send_reply(reply.pk)
    assert (outcome.state, outcome.retry) == (State.FAILED, False)
    reply.refresh_from_db()
    assert "550" in reply.send_error and "No such user" in reply.send_error
    assert reply.can_send_again
    notice = Notification.objects.get(recipient=agent)
    assert notice.kind == Notification.Kind.SEND_FAILED


def test_after_the_last_attempt_the_reply_fails_with_the_reason(
    ticket, agent, mail_server, settings
):
    settings.EMAIL_SEND_ATTEMPTS = 2
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hello")
    mail_server.stop()
    assert outbound.send_reply(reply.pk).retry
    outcome = outbound.send_reply(reply.pk)
    assert (outcome.state, outcome.retry) == (State.FAILED, False)
    reply.refresh_from_db()
    assert "Connection refused" in reply.send_error


def test_a_reply_whose_worker_died_mid_send_is_left_to_a_person(
    ticket, agent, mail_server, settings
):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hello")
    # A worker claimed it, the server may have accepted it, then the worker died.
    TicketComment.objects.filter(pk=reply.pk).update(
        send_state=State.SENDING, send_started_at=timezone.now()
    )
    assert outbound.send_reply(reply.pk).state == State.SENDING
    reply.refresh_from_db()
    assert not reply.is_stalled and not reply.can_send_again
    TicketComment.objects.filter(pk=reply.pk).update(
        send_started_at=timezone.now() - timedelta(hours=1)
    )
    reply.refresh_from_db()
    assert reply.is_stalled and reply.can_send_again
    assert mail_server.messages == []

    assert conversation.reply_send_again(comment=reply)
    assert outbound.send_reply(reply.pk).state == State.SENT
    [message] = mail_server.messages
    assert message["Message-ID"] == f"<{reply.message_id}>"


def test_a_sent_reply_cannot_be_sent_again(ticket, agent, mail_server):
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hello")
    outbound.send_reply(reply.pk)
    reply.refresh_from_db()
    assert not conversation.reply_send_again(comment=reply)
