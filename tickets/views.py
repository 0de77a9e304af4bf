from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import CappedList, PageSource, RankedList, paginate
from customers import search as customer_search
from customers.forms import SEARCH_MAX_LENGTH
from customers.models import Customer
from customers.views import is_htmx
from tickets import conversation, queue_page, search, services
from tickets.bulk_views import BulkForm
from tickets.conversation_forms import NoteForm, ReplyForm
from tickets.forms import TicketChangeForm, TicketFilterForm, TicketForm
from tickets.joined_orders import ByAssignee, ByCustomer
from tickets.models import Ticket, TicketQuerySet, TicketType
from tickets.queue import RELEVANCE, SORTS
from tickets.queue_views import SavedViewForm, queue_views
from tickets.saved_views import normalized
from tickets.timeline import timeline_page


@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    number = search.ticket_number(str(request.GET.get("q", "")))
    if number is not None and Ticket.objects.filter(pk=number).exists():
        return redirect("tickets:detail", pk=number)
    form = TicketFilterForm(request.GET)
    tickets = (
        form.filter(Ticket.objects.all(), request.user)
        .select_related("customer", "ticket_type", "assignee")
        .only(*queue_page.FIELDS)
    )
    sort = form.chosen_sort()
    # Orders by another table's column are read group by group (joined_orders).
    source: PageSource
    if sort.lstrip("-") == "assignee":
        source = ByAssignee.of(tickets, descending=sort.startswith("-"))
    elif sort.lstrip("-") == "customer":
        source = ByCustomer.of(tickets, descending=sort.startswith("-"))
    elif sort == RELEVANCE:
        # At most search.RESULTS ranked IDs: read them, then the page's rows.
        source = RankedList(tickets, list(tickets.values_list("pk", flat=True)))
    else:
        source = CappedList.of(tickets)
    page = paginate(request, source)
    key = sort.removeprefix("-")
    label = SORTS[key][0].lower() if key in SORTS else sort
    query = normalized(request.GET)
    views = queue_views(request.user, query)
    rows = queue_page.rows(page.object_list)
    selectable = request.user.has_perm("tickets.change_ticket")
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "table_rows": queue_page.table_rows(rows, selectable=selectable),
        "headings": queue_page.headings(request.GET, sort),
        "selectable": selectable,
        "query": query,
        "views": views,
        "saved_groups": [
            ("Your views", views["personal"]),
            ("Shared views", views["shared"]),
        ],
        "view_form": SavedViewForm(),
        "bulk_form": BulkForm(team=form.team, types=form.active_types),
        "loaded_at": timezone.now(),
        "sort": sort,
        "sort_label": label + (" (reversed)" if sort.startswith("-") else ""),
    }
    return render(request, "tickets/ticket_list.html", context)


@permission_required("tickets.add_ticket", raise_exception=True)
@permission_required("customers.view_customer", raise_exception=True)
def ticket_new(request: HttpRequest) -> HttpResponse:
    """The queue's "New ticket": pick the customer (searched as in the customer
    list), then open the ticket on the usual form."""
    text = " ".join(str(request.GET.get("q", ""))[:SEARCH_MAX_LENGTH].split())
    found = (
        customer_search.find(
            Customer.objects.with_status("active"),
            text,
            order_by=customer_search.ORDERINGS["name"],
        )
        if text
        else None
    )
    context = {"q": text, "customers": found[:PICKER_ROWS] if found else []}
    partial = is_htmx(request)
    template = "tickets/_customer_picks.html" if partial else "tickets/ticket_new.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


PICKER_ROWS = 20


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
        conversation.ticket_assigned(
            ticket=ticket, previous_assignee_id=None, by=request.user
        )
        messages.success(request, f"Ticket {ticket} opened.")
        return redirect(ticket)
    context = {"form": form, "customer": customer}
    return render(request, "tickets/ticket_form.html", context)


@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return ticket_page(request, get_object_or_404(tickets_for_page(), pk=pk))


@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def ticket_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(tickets_for_page(), pk=pk)
    # The form gets its own copy: a refused change must not show as the ticket's.
    form = TicketChangeForm(request.POST, instance=Ticket.objects.get(pk=pk))
    if not form.is_valid():
        return ticket_page(request, ticket, change_form=form)
    try:
        update = services.ticket_update(
            ticket=ticket,
            seen=form.seen_values(),
            values=form.values(),
            expected_version=form.cleaned_data["version"],
            user=request.user,
        )
    except services.TicketConflict as conflict:
        last = services.last_change(conflict.current)
        form.refuse_conflict(conflict, last.who if last else "Someone")
        fresh = get_object_or_404(tickets_for_page(), pk=pk)
        return ticket_page(
            request, fresh, change_form=form, conflicts=conflict_rows(form, conflict)
        )
    if update.unchanged:
        messages.info(request, "Nothing changed, so nothing was saved.")
        return redirect(ticket)
    conversation.ticket_assigned(
        ticket=update.ticket,
        previous_assignee_id=update.previous_assignee_id,
        by=request.user,
    )
    messages.success(request, saved_message(update, form))
    return redirect(ticket)


def saved_message(update: services.TicketUpdate, form: TicketChangeForm) -> str:
    text = f"Ticket {update.ticket} updated."
    last = update.colleague
    if update.kept_theirs:
        labels = ", ".join(field_label(form, name) for name in update.kept_theirs)
        text += (
            f" {last.who if last else 'Someone'} updated this ticket "
            f"{timesince(last.when) if last else 'meanwhile'} ago; "
            f"their change to {labels} is kept."
        )
    return text


def field_label(form: TicketChangeForm, name: str) -> str:
    return str(form[name.removesuffix("_id")].label)


def conflict_rows(
    form: TicketChangeForm, conflict: services.TicketConflict
) -> list[tuple[str, str, str]]:
    """Label, your value, their value: each true conflict side by side."""
    rows = []
    for item in conflict.conflicts:
        bound = form[item.field.removesuffix("_id")]
        choices = cast(list[tuple[Any, str]], bound.field.choices)  # type: ignore[attr-defined]
        labels = {getattr(k, "value", k): str(v) for k, v in choices}
        labels[None] = labels.get("", "—")
        rows.append(
            (
                str(bound.label),
                labels.get(item.mine, str(item.mine)),
                labels.get(item.theirs, str(item.theirs)),
            )
        )
    return rows


@permission_required("tickets.view_tickettype", raise_exception=True)
def tickettype_list(request: HttpRequest) -> HttpResponse:
    types = TicketType.objects.all()
    return render(request, "tickets/tickettype_list.html", {"types": types})


def tickets_for_page() -> TicketQuerySet:
    return Ticket.objects.select_related(
        "customer", "ticket_type", "assignee", "opened_by"
    )


def ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    change_form: TicketChangeForm | None = None,
    conflicts: list[tuple[str, str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The ticket page; a refused form comes back with its errors."""
    context = {
        "ticket": ticket,
        "timeline": timeline_page(ticket, request.GET.get("page")),
        "reply_form": reply_form or ReplyForm(),
        "note_form": note_form or NoteForm(),
        "change_form": change_form or TicketChangeForm(instance=ticket),
        "attachment_limit": settings.ATTACHMENT_MAX_BYTES,
        "conflicts": conflicts or [],
        "last_change": services.last_change(ticket),
    }
    return render(request, "tickets/ticket_detail.html", context, status=status)
