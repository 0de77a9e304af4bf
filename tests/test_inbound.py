"""Mail from customers onto tickets (tickets.inbound)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from customers.models import Customer
from tests.mails import make_mail
from tickets import conversation, outbound
from tickets.inbound import InboundUnavailable, Outcome, receive_email
from tickets.models import Attachment, HeldEmail, Notification, Ticket, TicketComment


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ticket_type(make_ticket_type):
    return make_ticket_type(code="1", name="General")


def test_mail_from_a_stranger_opens_a_ticket_for_a_new_customer(ticket_type):
    report = receive_email(
        make_mail(sender="Zoë Martin <Zoe@Example.org>", subject="Fwd: Login fails")
    )
    assert report.outcome is Outcome.OPENED
    ticket = Ticket.objects.get(pk=report.ticket_id)
    assert ticket.subject == "Login fails"
    assert ticket.ticket_type == ticket_type
    assert (ticket.customer.name, ticket.customer.email) == (
        "Zoë Martin",
        "Zoe@Example.org",
    )
    [message] = ticket.comments.all()
    assert (message.kind, message.from_address) == ("inbound", "Zoe@Example.org")
    assert message.body == "Hello, my order is late."


def test_a_known_customer_gets_the_ticket_whatever_the_case_of_the_address(
    ticket_type, make_customer
):
    customer = make_customer(email="ann@example.net")
    report = receive_email(make_mail(sender="ANN@EXAMPLE.NET"))
    assert Ticket.objects.get(pk=report.ticket_id).customer == customer
    assert Customer.objects.count() == 1


def test_a_sender_without_a_name_is_named_after_the_address(ticket_type):
    report = receive_email(make_mail(sender="bob.smith@example.org"))
    assert Ticket.objects.get(pk=report.ticket_id).customer.name == "bob.smith"


def test_the_unknown_sender_can_be_held_instead(ticket_type, settings):
    settings.INBOUND_UNKNOWN_SENDER = "hold"
    report = receive_email(make_mail(message_id="<held@example.net>"))
    assert report.outcome is Outcome.HELD
    held = HeldEmail.objects.get()
    assert held.reason == HeldEmail.Reason.NEEDS_CUSTOMER
    assert b"Hello, my order is late." in held.raw.read()
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_a_reply_threads_to_the_ticket_reopens_it_and_notifies_the_assignee(
    make_ticket, agent, mail_server
):
    ticket = make_ticket(assignee=agent)
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Try this")
    outbound.send_reply(reply.pk)
    ticket.set_status(Ticket.Status.RESOLVED)
    ticket.save()
    sent = mail_server.messages[0]

    report = receive_email(
        make_mail(
            subject=f"Re: {sent['Subject']}",
            In_Reply_To=sent["Message-ID"],
            References=sent["References"] + " " + sent["Message-ID"],
            text="Still broken.\n\n> Try this",
        )
    )

    assert (report.outcome, report.ticket_id) == (Outcome.ADDED, ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.closed_at is None
    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == Notification.Kind.CUSTOMER_REPLY
    assert (
        ticket.history.first().history_change_reason == "The customer replied by email"
    )


def test_the_subject_token_finds_the_ticket_without_threading_headers(make_ticket):
    ticket = make_ticket()
    report = receive_email(make_mail(subject=f"Re: [#{ticket.pk}] Re: anything"))
    assert report.ticket_id == ticket.pk


def test_only_our_ticket_root_id_counts_in_references(make_ticket, ticket_type):
    ticket = make_ticket()
    ours = receive_email(make_mail(References=f"<ticket-{ticket.pk}@localhost>"))
    theirs = receive_email(make_mail(References=f"<ticket-{ticket.pk}@evil.example>"))
    assert ours.ticket_id == ticket.pk
    assert theirs.outcome is Outcome.OPENED and theirs.ticket_id != ticket.pk


def test_an_unassigned_ticket_notifies_the_team(make_ticket, agent, lead):
    ticket = make_ticket()
    receive_email(make_mail(subject=f"[#{ticket.pk}]"))
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"agent", "lead"}


def test_the_same_message_twice_is_stored_once(ticket_type):
    raw = make_mail(message_id="<twice@example.net>")
    first, second = receive_email(raw), receive_email(raw)
    assert first.outcome is Outcome.OPENED
    assert second.outcome is Outcome.DUPLICATE
    assert TicketComment.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
    ],
)
def test_automatic_replies_are_recorded_but_never_reopen_or_notify(
    make_ticket, agent, headers
):
    ticket = make_ticket(assignee=agent)
    ticket.set_status(Ticket.Status.RESOLVED)
    ticket.save()
    report = receive_email(
        make_mail(subject=f"Out of office: [#{ticket.pk}]", **headers)
    )
    assert report.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.comments.get().automatic
    assert not Notification.objects.exists()


def test_an_automatic_message_with_no_ticket_is_held_not_a_new_ticket(ticket_type):
    report = receive_email(
        make_mail(sender="MAILER-DAEMON@mx.example.com", subject="Undelivered Mail")
    )
    assert report.outcome is Outcome.HELD
    assert HeldEmail.objects.get().reason == HeldEmail.Reason.AUTOMATIC
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_a_bounce_of_our_reply_lands_on_its_ticket(make_ticket, agent, mail_server):
    ticket = make_ticket()
    reply = conversation.reply_create(ticket=ticket, author=agent, body="Hi")
    bounce = (
        b"From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered\r\n"
        b"Message-ID: <bounce1@mx.example.com>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nNo such user.\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + f"Message-ID: <{reply.message_id}>\r\n".encode()
        + b"--B--\r\n"
    )
    report = receive_email(bounce)
    assert report.ticket_id == ticket.pk
    assert ticket.comments.get(message_id="bounce1@mx.example.com").automatic


def test_html_only_mail_is_stored_as_text(ticket_type):
    html = '<p>Hi</p><img src=x onerror="alert(1)"><script>alert(2)</script><p>Bye</p>'
    report = receive_email(make_mail(text=None, html=html))
    body = TicketComment.objects.get(ticket_id=report.ticket_id).body
    assert body == "Hi\n\nBye"


def test_attachments_are_stored_with_safe_names_and_sniffed_types(ticket_type):
    raw = make_mail(
        attachments=(
            ("../../etc/passwd", b"root:x:0:0", "text/plain"),
            ("photo.jpg", b"<html><script>alert(1)</script>", "image/jpeg"),
        )
    )
    report = receive_email(raw)
    files = Attachment.objects.filter(comment__ticket_id=report.ticket_id)
    assert sorted((a.filename, a.content_type) for a in files) == [
        ("passwd", "text/plain"),
        ("photo.jpg", "text/html"),
    ]
    assert all(default_storage.exists(a.file.name) for a in files)


def test_an_attachment_over_the_limit_is_left_out_and_said_so(ticket_type, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    raw = make_mail(attachments=(("big.bin", b"x" * 11, "application/octet-stream"),))
    report = receive_email(raw)
    comment = TicketComment.objects.get(ticket_id=report.ticket_id)
    assert "[big.bin (11 bytes) was not kept: too large]" in comment.body
    assert not comment.attachments.exists()


def test_a_failure_midway_leaves_no_rows_and_no_files(ticket_type, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(conversation, "customer_message_received", explode)
    monkeypatch.setattr("tickets.inbound.conversation", conversation)
    customer_ticket = receive_email(make_mail(sender="x@example.org"))
    ticket = Ticket.objects.get(pk=customer_ticket.ticket_id)
    raw = make_mail(
        subject=f"[#{ticket.pk}]",
        attachments=(("a.txt", b"hello", "text/plain"),),
    )
    with pytest.raises(RuntimeError):
        receive_email(raw)
    assert TicketComment.objects.count() == 1
    assert Attachment.objects.count() == 0
    media_root = default_storage.location
    stored = [
        p for p in __import__("pathlib").Path(media_root).rglob("*") if p.is_file()
    ]
    assert stored == []


def test_no_ticket_type_is_a_temporary_failure(db):
    with pytest.raises(InboundUnavailable):
        receive_email(make_mail())
    assert not Customer.objects.exists()
