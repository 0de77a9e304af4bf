from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from customer_flow.lib import changelog
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import CappedList, paginate
from customers.models import Customer
from tickets.forms import CommentForm, TicketChangeForm, TicketFilterForm, TicketForm
from tickets.models import Ticket, TicketQuerySet, TicketType

TIMELINE_COMMENTS = 200


@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET)
    tickets = form.filter(Ticket.objects.all(), request.user)
    page = paginate(
        request,
        CappedList.of(tickets.select_related("customer", "ticket_type", "assignee")),
    )
    return render(request, "tickets/ticket_list.html", {"form": form, "page": page})


@permission_required("tickets.add_ticket", raise_exception=True)
def ticket_create(request: AuthenticatedHttpRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_pk)
    if customer.is_archived:
        messages.error(request, "Restore this customer before opening a ticket.")
        return redirect(customer)
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = form.save(commit=False)
        ticket.customer = customer
        ticket.opened_by = request.user
        ticket.save()
        messages.success(request, f"Ticket {ticket} opened.")
        return redirect(ticket)
    context = {"form": form, "customer": customer}
    return render(request, "tickets/ticket_form.html", context)


@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(_tickets(), pk=pk))


@permission_required("tickets.add_ticketcomment", raise_exception=True)
@require_POST
def ticket_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(_tickets(), pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, comment_form=form)
    comment = form.save(commit=False)
    comment.ticket = ticket
    comment.author = request.user
    comment.save()
    messages.success(request, "Comment added.")
    return redirect(ticket)


@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_change(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(_tickets(), pk=pk)
    # The form gets its own copy: a refused change must not show as the ticket's.
    form = TicketChangeForm(request.POST, instance=Ticket.objects.get(pk=pk))
    if not form.is_valid():
        return _detail(request, ticket, change_form=form)
    form.save()
    messages.success(request, f"Ticket {ticket} updated.")
    return redirect(ticket)


@permission_required("tickets.view_tickettype", raise_exception=True)
def tickettype_list(request: HttpRequest) -> HttpResponse:
    types = TicketType.objects.all()
    return render(request, "tickets/tickettype_list.html", {"types": types})


def _tickets() -> TicketQuerySet:
    return Ticket.objects.select_related(
        "customer", "ticket_type", "assignee", "opened_by"
    )


def _untracked(ticket: Ticket, changes: list[changelog.Entry]) -> list[changelog.Entry]:
    """What the ticket's own fields tell when its history does not (tickets written
    in bulk by seed_demo or an import have no history rows)."""
    entries = []
    if not any(entry.kind == "created" for entry in changes):
        who = ticket.opened_by.get_username() if ticket.opened_by else "Someone"
        entries.append(changelog.Entry(ticket.created_at, who, "created"))
        if ticket.closed_at and not changes:
            status = ticket.get_status_display().lower()
            entries.append(
                changelog.Entry(ticket.closed_at, "Someone", f"marked it {status}")
            )
    return entries


def _detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    comment_form: CommentForm | None = None,
    change_form: TicketChangeForm | None = None,
) -> HttpResponse:
    comments = list(
        ticket.comments.select_related("author").order_by("-created_at", "-id")[
            :TIMELINE_COMMENTS
        ]
    )
    changes = changelog.entries(ticket.history.all(), limit=TIMELINE_COMMENTS)
    if len(changes) < TIMELINE_COMMENTS:
        changes += _untracked(ticket, changes)
    timeline = sorted(
        [("comment", c.created_at, c) for c in comments]
        + [("change", e.when, e) for e in changes],
        key=lambda item: item[1],
    )
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "comment_form": comment_form or CommentForm(),
        "change_form": change_form or TicketChangeForm(instance=ticket),
    }
    return render(request, "tickets/ticket_detail.html", context)
