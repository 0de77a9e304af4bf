"""Mail from customers: onto its ticket, or a new ticket, or held aside.

``receive_email`` is what ``manage.py receive_email`` (and any future poller)
calls with the bytes of one message. Everything it writes happens in one
transaction, files included, so a refused or failed message leaves nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat

from customer_flow.lib.mail_headers import bare_subject, ticket_number
from customer_flow.lib.mail_parsing import ParsedMail, parse_mail
from customers import validation
from customers.models import Customer
from tickets import conversation
from tickets.attachments import StoredFiles, stored_files
from tickets.inbound_models import HeldEmail
from tickets.models import Ticket, TicketComment, TicketType
from tickets.outbound import support_domain


class InboundUnavailable(Exception):
    """The message is fine but cannot be stored now (try again later)."""


class Outcome(enum.Enum):
    ADDED = "added to ticket"
    OPENED = "opened ticket"
    DUPLICATE = "already received"
    HELD = "held"


@dataclass(frozen=True)
class InboundReport:
    outcome: Outcome
    message_id: str
    ticket_id: int | None = None
    detail: str = ""

    @property
    def summary(self) -> str:
        where = f" #{self.ticket_id}" if self.ticket_id else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.outcome.value}{where}: <{self.message_id}>{detail}"


def receive_email(raw: bytes) -> InboundReport:
    """Store one message (see the module docstring); raises ``MailRefused``
    for bytes that are no message and ``InboundUnavailable`` when it cannot be
    stored now."""
    mail = parse_mail(raw)
    try:
        with transaction.atomic(), stored_files() as files:
            return _store(mail, raw, files)
    except IntegrityError:
        # The same message delivered twice at once: the other copy won.
        if _already_received(mail.message_id):
            return InboundReport(Outcome.DUPLICATE, mail.message_id)
        raise


def _store(mail: ParsedMail, raw: bytes, files: StoredFiles) -> InboundReport:
    if _already_received(mail.message_id):
        return InboundReport(Outcome.DUPLICATE, mail.message_id)
    ticket = find_ticket(mail)
    if ticket is not None:
        comment = _add_message(ticket, mail, files)
        if not mail.automatic:
            conversation.customer_message_received(comment)
        return InboundReport(Outcome.ADDED, mail.message_id, ticket.pk, mail.automatic)
    if mail.automatic:
        return _hold(mail, raw, files, HeldEmail.Reason.AUTOMATIC, mail.automatic)
    customer = Customer.objects.with_email(mail.from_address).first()
    if customer is None:
        if settings.INBOUND_UNKNOWN_SENDER == "hold":
            return _hold(mail, raw, files, HeldEmail.Reason.NEEDS_CUSTOMER, "")
        try:
            customer = _new_customer(mail)
        except ValidationError as error:
            detail = f"no customer could be made: {'; '.join(error.messages)}"
            return _hold(mail, raw, files, HeldEmail.Reason.NEEDS_CUSTOMER, detail)
    ticket = _open_ticket(customer, mail)
    _add_message(ticket, mail, files)
    return InboundReport(Outcome.OPENED, mail.message_id, ticket.pk)


def _already_received(message_id: str) -> bool:
    return (
        TicketComment.objects.with_message_ids([message_id]).exists()
        or HeldEmail.objects.filter(message_id=message_id).exists()
    )


def find_ticket(mail: ParsedMail) -> Ticket | None:
    """By the Message-IDs it answers (ours or the customer's), then by the
    ``[#N]`` token in the subject."""
    ids = mail.thread_ids
    if ids:
        found = dict(
            TicketComment.objects.with_message_ids(ids).values_list(
                "message_id", "ticket_id"
            )
        )
        root = f"@{support_domain()}"
        for message_id in ids:
            if message_id in found:
                return Ticket.objects.filter(pk=found[message_id]).first()
            if message_id.startswith("ticket-") and message_id.endswith(root):
                number = message_id[len("ticket-") : -len(root)]
                if number.isdigit():
                    ticket = Ticket.objects.filter(pk=int(number)).first()
                    if ticket is not None:
                        return ticket
    token = ticket_number(mail.subject)
    return Ticket.objects.filter(pk=token).first() if token else None


def _new_customer(mail: ParsedMail) -> Customer:
    email = validation.clean_email(mail.from_address)
    try:
        name = validation.clean_name(mail.from_name)
    except ValidationError:
        name = validation.clean_name(email.partition("@")[0])
    customer = Customer(name=name, email=email)
    customer._change_reason = "Created from an email"  # type: ignore[attr-defined]
    customer.save()
    return customer


def _open_ticket(customer: Customer, mail: ParsedMail) -> Ticket:
    types = TicketType.objects.active()
    if settings.INBOUND_TICKET_TYPE:
        types = types.filter(code=settings.INBOUND_TICKET_TYPE)
    ticket_type = types.first()
    if ticket_type is None:
        raise InboundUnavailable(
            "no active ticket type for new tickets (INBOUND_TICKET_TYPE="
            f"{settings.INBOUND_TICKET_TYPE!r})"
        )
    ticket = Ticket(
        customer=customer,
        ticket_type=ticket_type,
        subject=(bare_subject(mail.subject) or "(no subject)")[:200],
    )
    ticket._change_reason = "Opened by an email"  # type: ignore[attr-defined]
    ticket.save()
    return ticket


def _add_message(ticket: Ticket, mail: ParsedMail, files: StoredFiles) -> TicketComment:
    notes = []
    kept = []
    for attachment in mail.attachments:
        if len(attachment.data) > settings.ATTACHMENT_MAX_BYTES:
            size = filesizeformat(len(attachment.data)).replace("\xa0", " ")
            notes.append(f"[{attachment.filename} ({size}) was not kept: too large]")
        else:
            kept.append(attachment)
    body = "\n\n".join(filter(None, [mail.text or "(no text)", *notes]))
    comment = TicketComment.objects.create(
        ticket=ticket,
        kind=TicketComment.Kind.INBOUND,
        body=body,
        from_address=mail.from_address[:254],
        message_id=mail.message_id[:255],
        in_reply_to=(mail.in_reply_to[:1] or [""])[0][:255],
        references="\n".join(mail.references[-50:]),
        automatic=mail.automatic[:100],
    )
    for attachment in kept:
        files.add(comment, attachment.filename, attachment.data)
    return comment


def _hold(
    mail: ParsedMail, raw: bytes, files: StoredFiles, reason: str, detail: str
) -> InboundReport:
    held = HeldEmail(
        reason=reason,
        message_id=mail.message_id[:255],
        from_name=mail.from_name[:200],
        from_address=mail.from_address[:254],
        subject=mail.subject[:200],
        detail=detail[:200],
    )
    held.raw.save("message.eml", ContentFile(raw), save=False)
    files.names.append(held.raw.name)
    held.save()
    label = HeldEmail.Reason(reason).label.lower()
    return InboundReport(Outcome.HELD, mail.message_id, None, detail or label)


def held_accept(held: HeldEmail) -> Ticket:
    """Put a held message on a ticket after all: its thread's ticket, or a new
    one for the sender (made a customer if unknown)."""
    with held.raw.open("rb") as file:
        mail = parse_mail(file.read())
    with transaction.atomic(), stored_files() as files:
        ticket = find_ticket(mail)
        if ticket is None:
            customer = Customer.objects.with_email(mail.from_address).first()
            ticket = _open_ticket(customer or _new_customer(mail), mail)
        _add_message(ticket, mail, files)
        held.mark_resolved()
    return ticket
