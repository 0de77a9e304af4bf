"""Replies to customers by email: composing them and sending each exactly once.

Send states (``TicketComment.send_state``) and why nothing is sent twice:

- ``queued``: saved with its Message-ID, In-Reply-To and References fixed, and a
  job enqueued in the same transaction.
- ``sending``: a worker claimed it (row locked, state and ``send_started_at``
  committed) *before* talking to the SMTP server. Only a ``queued`` reply can be
  claimed, so two workers never both send it.
- ``sent``: committed right after the server accepted the message.
- a temporary failure (connection refused, timeout, a 4xx reply) puts it back to
  ``queued`` with the reason and a later job; after ``EMAIL_SEND_ATTEMPTS`` tries,
  or on a permanent failure (5xx), it is ``failed`` with the reason.

A worker that dies after the server accepted the message but before ``sent`` was
committed leaves the reply in ``sending``. Nobody can tell from here whether it
went out, so it is never retried automatically: after
``EMAIL_SEND_STALLED_AFTER`` seconds the timeline says so and offers "Send
again" to a person. A second send carries the same Message-ID, which mail
programs use to drop duplicates.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from customer_flow.lib.mail_headers import reply_subject
from tickets.models import Ticket, TicketComment

State = TicketComment.SendState


def support_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def new_message_id(ticket: Ticket) -> str:
    """A fresh Message-ID (without < >) in the support address's domain."""
    return make_msgid(idstring=f"ticket{ticket.pk}", domain=support_domain())[1:-1]


def ticket_root_id(ticket: Ticket) -> str:
    """The first reference of every reply on a ticket, so that all of them
    thread together and an answer to any of them finds the ticket."""
    return f"ticket-{ticket.pk}@{support_domain()}"


def thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a new reply on ``ticket``: it answers the
    newest message from the customer, or follows the newest reply."""
    ids = list(
        ticket.comments.public()
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:20]
    )
    ids.reverse()
    references = [ticket_root_id(ticket), *ids]
    return references[-1], references


def compose(comment: TicketComment) -> EmailMultiAlternatives:
    """The email of a reply: plain text and HTML from the same (escaped) text."""
    ticket = comment.ticket
    context = {"comment": comment, "ticket": ticket}
    message = EmailMultiAlternatives(
        subject=reply_subject(ticket.pk, ticket.subject),
        body=render_to_string("tickets/email/reply.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[comment.to_address],
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        headers={
            "Message-ID": f"<{comment.message_id}>",
            "In-Reply-To": f"<{comment.in_reply_to}>",
            "References": " ".join(f"<{i}>" for i in comment.reference_ids()),
            "X-Customer-Flow-Ticket": str(ticket.pk),
        },
    )
    message.attach_alternative(
        render_to_string("tickets/email/reply.html", context), "text/html"
    )
    for attachment in comment.attachments.all():
        with attachment.file.open("rb") as file:
            message.attach(attachment.filename, file.read(), attachment.content_type)
    return message


@dataclass(frozen=True)
class Outcome:
    state: str
    retry: bool = False
    reason: str = ""


def send_reply(comment_id: int) -> Outcome:
    """Send one queued reply (see the module's docstring for the states)."""
    comment = _claim(comment_id)
    if comment is None:
        state = TicketComment.objects.filter(pk=comment_id).values_list(
            "send_state", flat=True
        )
        return Outcome(state.first() or "missing")
    try:
        message = compose(comment)
    except OSError as error:  # an attachment's file is gone from storage
        reason = f"An attachment could not be read: {error}"
        return _record_failure(comment, temporary=False, reason=reason)
    try:
        _deliver(message)
    except (smtplib.SMTPException, OSError) as error:
        temporary, reason = describe_failure(error)
        return _record_failure(comment, temporary=temporary, reason=reason)
    _record_sent(comment)
    return Outcome(State.SENT)


def _claim(comment_id: int) -> TicketComment | None:
    with transaction.atomic():
        comment = (
            TicketComment.objects.select_for_update()
            .filter(pk=comment_id, kind=TicketComment.Kind.REPLY)
            .first()
        )
        if comment is None or comment.send_state != State.QUEUED:
            return None
        comment.send_state = State.SENDING
        comment.send_started_at = timezone.now()
        comment.send_attempts += 1
        comment.save(update_fields=["send_state", "send_started_at", "send_attempts"])
    return comment


def _deliver(message: EmailMultiAlternatives) -> None:
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        if not connection.send_messages([message]):
            raise smtplib.SMTPException("the mail server accepted no message")
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            pass  # accepted is accepted: a failed QUIT changes nothing


def _record_sent(comment: TicketComment) -> None:
    from tickets import conversation

    with transaction.atomic():
        comment.send_state = State.SENT
        comment.sent_at = timezone.now()
        comment.send_error = ""
        comment.save(update_fields=["send_state", "sent_at", "send_error"])
        conversation.reply_sent(comment)


def _record_failure(comment: TicketComment, *, temporary: bool, reason: str) -> Outcome:
    from tickets import conversation, jobs

    retry = temporary and comment.send_attempts < settings.EMAIL_SEND_ATTEMPTS
    with transaction.atomic():
        comment.send_state = State.QUEUED if retry else State.FAILED
        comment.send_error = reason
        comment.save(update_fields=["send_state", "send_error"])
        if retry:  # the next try is stored with the failure, or neither is
            jobs.enqueue_reply(comment.pk, delay=retry_delay(comment.send_attempts))
        else:
            conversation.reply_failed(comment)
    return Outcome(comment.send_state, retry=retry, reason=reason)


def describe_failure(error: BaseException) -> tuple[bool, str]:
    """(temporary?, a sentence for the timeline) for an error while sending."""
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(
            f"{rcpt}: {code} {_text(msg)}"
            for rcpt, (code, msg) in error.recipients.items()
        )
        return all(400 <= c < 500 for c in codes), f"Recipient refused: {detail}"
    if isinstance(error, smtplib.SMTPResponseException):
        temporary = 400 <= error.smtp_code < 500
        said = f"{error.smtp_code} {_text(error.smtp_error)}"
        return temporary, f"The mail server said {said}"
    if isinstance(error, ConnectionRefusedError):
        return True, f"Connection refused by the mail server {where}"
    if isinstance(error, socket.timeout | TimeoutError):
        return True, f"The mail server {where} did not answer in time"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True, f"The mail server {where} closed the connection"
    if isinstance(error, OSError):
        reason = error.strerror or error
        return True, f"Could not reach the mail server {where}: {reason}"
    return False, f"Sending failed: {error}"


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` tries."""
    delays = settings.EMAIL_RETRY_DELAYS
    return delays[min(attempts, len(delays)) - 1] if delays else 0
