"""Replies, notes, sending again and attachments on the ticket page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from customer_flow.body_limits import accepts_upload
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.mail_parsing import MailRefused
from customer_flow.lib.sniffing import servable_type
from customer_flow.lib.upload_limits import AttachmentLimitHandler
from customers.models import Customer
from tickets import conversation, inbound
from tickets.conversation_forms import InsertCannedForm, NoteForm, ReplyForm
from tickets.models import Attachment, HeldEmail, Ticket, TicketComment
from tickets.views import ticket_page, tickets_for_page


def _limit_uploads(request: HttpRequest) -> AttachmentLimitHandler:
    # Before anything reads the body (the CSRF check reads the form).
    limiter = AttachmentLimitHandler(
        request,
        per_file=settings.ATTACHMENT_MAX_BYTES,
        per_message=settings.MESSAGE_MAX_BYTES,
    )
    request.upload_handlers = [limiter, *request.upload_handlers]
    return limiter


@accepts_upload(permission="tickets.reply_ticketcomment", max_bytes="MESSAGE_MAX_BYTES")
@permission_required("tickets.reply_ticketcomment", raise_exception=True)
@require_POST
@csrf_exempt
def ticket_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    limiter = _limit_uploads(request)
    return _ticket_reply(request, pk, limiter)


@csrf_protect
def _ticket_reply(
    request: AuthenticatedHttpRequest, pk: int, limiter: AttachmentLimitHandler
) -> HttpResponse:
    ticket = get_object_or_404(tickets_for_page(), pk=pk)
    if "insert" in request.POST:
        return _insert_canned(request, ticket)
    form = ReplyForm(request.POST, request.FILES)
    if limiter.refused:
        form.add_error("attachments", limiter.refused)
    if not form.is_valid():
        return ticket_page(request, ticket, reply_form=form)
    conversation.reply_create(
        ticket=ticket,
        author=request.user,
        body=form.cleaned_data["body"],
        files=form.cleaned_data["attachments"],
    )
    messages.success(request, f"Reply queued for {ticket.customer.email}.")
    return redirect(ticket)


def _insert_canned(request: AuthenticatedHttpRequest, ticket: Ticket) -> HttpResponse:
    """Without JavaScript: the page again, the saved reply added to the box."""
    form = InsertCannedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a saved reply to insert.")
        reply = ReplyForm(initial={"body": request.POST.get("body", "")})
        return ticket_page(request, ticket, reply_form=reply)
    text = form.cleaned_data["canned"].render(ticket=ticket, agent=request.user)
    typed = form.cleaned_data["body"].rstrip()
    body = f"{typed}\n\n{text}" if typed else text
    return ticket_page(request, ticket, reply_form=ReplyForm(initial={"body": body}))


@accepts_upload(permission="tickets.add_ticketcomment", max_bytes="MESSAGE_MAX_BYTES")
@permission_required("tickets.add_ticketcomment", raise_exception=True)
@require_POST
@csrf_exempt
def ticket_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    limiter = _limit_uploads(request)
    return _ticket_note(request, pk, limiter)


@csrf_protect
def _ticket_note(
    request: AuthenticatedHttpRequest, pk: int, limiter: AttachmentLimitHandler
) -> HttpResponse:
    ticket = get_object_or_404(tickets_for_page(), pk=pk)
    form = NoteForm(request.POST, request.FILES)
    if limiter.refused:
        form.add_error("attachments", limiter.refused)
    if not form.is_valid():
        return ticket_page(request, ticket, note_form=form)
    conversation.note_create(
        ticket=ticket,
        author=request.user,
        body=form.cleaned_data["body"],
        files=form.cleaned_data["attachments"],
    )
    messages.success(request, "Note added.")
    return redirect(ticket)


@permission_required("tickets.reply_ticketcomment", raise_exception=True)
@require_POST
def reply_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(TicketComment, pk=pk, kind=TicketComment.Kind.REPLY)
    if conversation.reply_send_again(comment=comment):
        messages.success(request, "The reply is queued to be sent again.")
    else:
        messages.error(request, "This reply is sent or on its way; nothing to do.")
    return redirect(comment.ticket)


@permission_required("tickets.view_attachment", raise_exception=True)
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=servable_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("tickets.view_ticket", raise_exception=True)
def customer_conversation(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Every message with the customer across their tickets, newest first."""
    customer = get_object_or_404(Customer, pk=customer_pk)
    comments = (
        TicketComment.objects.for_customer(customer)
        .select_related("author", "ticket")
        .prefetch_related("attachments", "mentions")
        .order_by("-created_at", "-id")
    )
    paginator = Paginator(comments, 50)
    page = paginator.get_page(request.GET.get("page"))
    page.links = list(paginator.get_elided_page_range(page.number))  # type: ignore[attr-defined]
    attachments = (
        Attachment.objects.for_customer(customer)
        .select_related("comment")
        .order_by("-created_at", "-id")[:100]
    )
    context = {"customer": customer, "page": page, "attachments": attachments}
    return render(request, "tickets/customer_conversation.html", context)


@permission_required("tickets.view_heldemail", raise_exception=True)
def held_list(request: HttpRequest) -> HttpResponse:
    """Mail kept aside: unknown senders (when not made customers) and automatic
    messages that belong to no ticket."""
    held = HeldEmail.objects.filter(resolved_at__isnull=True)
    paginator = Paginator(held, 50)
    page = paginator.get_page(request.GET.get("page"))
    page.links = list(paginator.get_elided_page_range(page.number))  # type: ignore[attr-defined]
    return render(request, "tickets/held_list.html", {"page": page})


@permission_required("tickets.change_heldemail", raise_exception=True)
@require_POST
def held_action(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(HeldEmail, pk=pk, resolved_at__isnull=True)
    if "discard" in request.POST:
        held.mark_resolved()
        messages.success(request, "Message discarded.")
        return redirect("tickets:held")
    try:
        ticket = inbound.held_accept(held)
    except (MailRefused, ValidationError, inbound.InboundUnavailable) as error:
        messages.error(request, f"This message cannot go on a ticket: {error}")
        return redirect("tickets:held")
    messages.success(request, f"Message added to ticket {ticket}.")
    return redirect(ticket)
