"""Conversation workflows: replies, notes, messages from customers, and what
they change on the ticket. The views, the inbound mail and (later) the API all
come through here.

``reply_sent`` and ``customer_message_received`` are the one place where the
conversation tells the ticket about itself (first response, reopening, waiting
since), through the Ticket's methods; the SLA due times follow (tickets.sla).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from customer_flow.lib.mentions import mentioned_usernames
from tickets import jobs, notify
from tickets.attachments import stored_files
from tickets.models import BulkChange, Ticket, TicketComment
from tickets.notifications import Notification
from tickets.outbound import new_message_id, thread_headers

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Kind = TicketComment.Kind
State = TicketComment.SendState


@transaction.atomic
def reply_create(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> TicketComment:
    """Save a reply to the customer and queue its email."""
    in_reply_to, references = thread_headers(ticket)
    comment = TicketComment.objects.create(
        ticket=ticket,
        author=author,
        kind=Kind.REPLY,
        body=body,
        from_address=settings.DEFAULT_FROM_EMAIL,
        to_address=ticket.customer.email,
        message_id=new_message_id(ticket),
        in_reply_to=in_reply_to,
        references="\n".join(references),
        send_state=State.QUEUED,
    )
    _attach(comment, files)
    jobs.enqueue_reply(comment.pk)
    return comment


@transaction.atomic
def note_create(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> TicketComment:
    """Save an internal note (never sent) and notify the people it mentions."""
    comment = TicketComment.objects.create(
        ticket=ticket, author=author, kind=Kind.NOTE, body=body
    )
    _attach(comment, files)
    mentioned = mentioned_users(body)
    comment.mentions.set(mentioned)
    notify.users(
        [u for u in mentioned if u.pk != author.pk],
        kind=Notification.Kind.MENTION,
        ticket=ticket,
        comment=comment,
        actor=author,
    )
    return comment


def mentioned_users(text: str) -> list[User]:
    names = mentioned_usernames(text)
    if not names:
        return []
    User = get_user_model()  # noqa: N806
    return list(User.objects.filter(username__in=names, is_active=True))


def _attach(comment: TicketComment, files: Iterable[UploadedFile]) -> None:
    with stored_files() as stored:
        for upload in files:
            stored.add(comment, upload.name or "attachment", upload.read())


@transaction.atomic
def reply_send_again(*, comment: TicketComment) -> bool:
    """Queue a failed (or stalled) reply once more; False when it cannot be."""
    comment = TicketComment.objects.select_for_update().get(pk=comment.pk)
    if not comment.can_send_again:
        return False
    comment.send_state = State.QUEUED
    comment.send_attempts = 0
    comment.send_error = ""
    comment.save(update_fields=["send_state", "send_attempts", "send_error"])
    jobs.enqueue_reply(comment.pk)
    return True


def ticket_assigned(
    *, ticket: Ticket, previous_assignee_id: int | None, by: User
) -> None:
    """Notify the new assignee (not when people assign themselves)."""
    assignee = ticket.assignee
    if assignee is None or assignee.pk == previous_assignee_id:
        return
    if assignee.pk == getattr(by, "pk", None):
        return
    notify.users([assignee], kind=Notification.Kind.ASSIGNED, ticket=ticket, actor=by)


def tickets_assigned_in_bulk(
    *, operation: BulkChange, assignee_id: int | None, by: User
) -> None:
    """Notify the assignee of a bulk assignment once, however many tickets it
    gave them (not when people assign themselves, nor when none changed)."""
    if assignee_id is None or assignee_id == by.pk or not operation.changed:
        return
    assignee = get_user_model().objects.filter(pk=assignee_id).first()
    if assignee is None:
        return
    notify.users(
        [assignee], kind=Notification.Kind.ASSIGNED, bulk_change=operation, actor=by
    )


# What the conversation tells the ticket ------------------------------------------


def reply_sent(comment: TicketComment) -> None:
    """A reply reached the mail server: the first one is the first response (the
    SLA's first-response clock stops at the time the agent replied, set once),
    and the customer is no longer waiting."""
    ticket = Ticket.objects.select_for_update().get(pk=comment.ticket_id)
    ticket.record_reply(comment.created_at)


def reply_failed(comment: TicketComment) -> None:
    """Tell the author their reply was not sent. The SLA clocks keep running: only
    a reply that went out counts as a response."""
    if comment.author is not None:
        notify.users(
            [comment.author],
            kind=Notification.Kind.SEND_FAILED,
            ticket=comment.ticket,
            comment=comment,
        )


def customer_message_received(comment: TicketComment) -> None:
    """A message from the customer (not an automatic one) reopens a resolved,
    closed or pending ticket and notifies the assignee, or the team."""
    ticket = Ticket.objects.select_for_update().get(pk=comment.ticket_id)
    if ticket.status != Ticket.Status.OPEN:
        # Reopening restarts a paused SLA clock (Ticket.save keeps it in step).
        ticket.set_status(Ticket.Status.OPEN)
        ticket._change_reason = "The customer replied by email"  # type: ignore[attr-defined]
        ticket.save()
    ticket.record_customer_message(comment.created_at)
    recipients = [ticket.assignee] if ticket.assignee else notify.team()
    notify.users(
        recipients,
        kind=Notification.Kind.CUSTOMER_REPLY,
        ticket=ticket,
        comment=comment,
    )
    comment.ticket = ticket
