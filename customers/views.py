from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from customer_flow.lib import changelog
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import paginate
from customers import search
from customers.exporting import customer_csv
from customers.forms import CustomerEditForm, CustomerForm, CustomerSearchForm
from customers.models import Customer, CustomerMerge
from customers.services import CustomerUpdate, EditConflict, customer_update
from tickets.models import Ticket
from tickets.search import ticket_number


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not a history restore of a whole one)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET)
    text, status, sort = form.values()
    # The header's search box: "#1042" opens ticket 1042 (tickets.search).
    number = ticket_number(text)
    if number is not None and request.user.has_perm("tickets.view_ticket"):
        return redirect("tickets:detail", pk=number)
    order_by = None if sort == search.RELEVANCE else search.ORDERINGS[sort]
    found = search.find(Customer.objects.with_status(status), text, order_by=order_by)
    partial = is_htmx(request)
    typo = text and not found.total
    context = {
        "did_you_mean": search.suggestions(Customer.objects.all(), text)
        if typo
        else [],
        "form": form,
        "page": paginate(request, found),
        "found": found,
        "q": text,
        "status": status,
        "sort": sort,
        "oob": partial,  # the fragment also updates the form's hidden sort
        "loaded_at": timezone.now(),  # bulk actions leave later edits alone
    }
    template = "customers/_results.html" if partial else "customers/customer_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@permission_required("customers.export_customer", raise_exception=True)
def customer_export(request: HttpRequest) -> FileResponse:
    """The customers of the list's current search and filter, as id.csv."""
    text, status, _sort = CustomerSearchForm(request.GET).values()
    return customer_csv(Customer.objects.with_status(status).search(text))


@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    tickets = (
        Ticket.objects.for_customer(customer)
        .select_related("ticket_type", "assignee")
        .order_by_open_first()
    )
    context = {
        "customer": customer,
        "tickets": tickets[:CUSTOMER_TICKETS],
        "ticket_limit": CUSTOMER_TICKETS,
        "history": changelog.entries(customer.history.all()),
        "merges": CustomerMerge.objects.filter(
            survivor=customer, undone_at__isnull=True
        )[:5],
        "duplicates": list(Customer.objects.duplicates_of(customer)[:5])
        if not customer.is_archived
        else [],
    }
    return render(request, "customers/customer_detail.html", context)


CUSTOMER_TICKETS = 50


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = form.save()
        messages.success(request, f"Customer {customer} created.")
        warn_about_duplicates(request, customer)
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form})


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    # The form binds to a copy, so the heading keeps the saved name.
    form = CustomerEditForm(request.POST or None, instance=copy.copy(customer))
    if request.method == "POST" and form.is_valid():
        try:
            update = customer_update(
                customer=customer,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"],
                user=request.user,
                seen=form.seen_values(),
            )
        except EditConflict as conflict:
            customer = conflict.current
            form.show_conflict(customer, conflict.result, last_editor(customer))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, saved_message(update))
            warn_about_duplicates(request, update.customer)
            return redirect(update.customer)
    context = {"form": form, "customer": customer}
    return render(request, "customers/customer_form.html", context)


def warn_about_duplicates(request: HttpRequest, customer: Customer) -> None:
    """A warning, not a refusal: customers that look like this one."""
    look_alikes = list(Customer.objects.duplicates_of(customer)[:3])
    if look_alikes:
        named = ", ".join(str(other) for other in look_alikes)
        messages.warning(request, f"Possible duplicate of {named}.")


def last_editor(customer: Customer) -> str | None:
    latest = customer.history.select_related("history_user").first()
    user = latest.history_user if latest else None
    return user.get_username() if user else None


def saved_message(update: CustomerUpdate) -> str:
    customer = update.customer
    if not update.written:
        return f"Nothing to save: customer {customer} already has these values."
    if update.kept_theirs:
        fields = ", ".join(update.kept_theirs)
        return (
            f"Customer {customer} saved. A colleague's change to {fields}, made "
            "while you were editing, was kept."
        )
    return f"Customer {customer} saved."


@permission_required("customers.archive_customer", raise_exception=True)
def customer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    if request.method == "POST":
        customer.archive()
        messages.success(request, f"Customer {customer} archived.")
        return redirect(customer)
    open_tickets = Ticket.objects.for_customer(customer).open().count()
    context = {"customer": customer, "open_tickets": open_tickets}
    return render(request, "customers/customer_archive.html", context)


@permission_required("customers.archive_customer", raise_exception=True)
@require_POST
def customer_restore(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    customer.restore()
    messages.success(request, f"Customer {customer} restored.")
    return redirect(customer)
