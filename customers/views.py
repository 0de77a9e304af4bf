from __future__ import annotations

import io
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from customer_flow.lib import changelog
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import paginate
from customers import search
from customers.exporting import write_customers_csv
from customers.forms import CustomerEditForm, CustomerForm, CustomerSearchForm
from customers.models import Customer
from customers.services import EditConflict, customer_update
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
    context = {
        "form": form,
        "page": paginate(request, found),
        "found": found,
        "q": text,
        "status": status,
        "sort": sort,
        "oob": partial,  # the fragment also updates the form's hidden sort
    }
    template = "customers/_results.html" if partial else "customers/customer_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@permission_required("customers.export_customer", raise_exception=True)
def customer_export(request: HttpRequest) -> FileResponse:
    """The customers of the list's current search and filter, as id.csv."""
    text, status, _sort = CustomerSearchForm(request.GET).values()
    customers = Customer.objects.with_status(status).search(text)
    # Spooled to a temporary file so a million rows never sit in memory.
    file = tempfile.TemporaryFile()
    text_file = io.TextIOWrapper(file, encoding="utf-8", newline="")
    write_customers_csv(customers, text_file)
    text_file.flush()
    text_file.detach()
    file.seek(0)
    # The name the README and the importer use for this format.
    return FileResponse(
        file,
        as_attachment=True,
        filename="id.csv",
        content_type="text/csv; charset=utf-8",
    )


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
    }
    return render(request, "customers/customer_detail.html", context)


CUSTOMER_TICKETS = 50


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = form.save()
        messages.success(request, f"Customer {customer} created.")
        return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form})


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerEditForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_update(
                customer=customer,
                data=form.cleaned_data,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            )
        except EditConflict as conflict:
            latest = conflict.current.history.select_related("history_user").first()
            user = latest.history_user if latest else None
            form.refuse_conflict(conflict.current, user and user.get_username())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Customer {customer} saved.")
            return redirect(customer)
    context = {"form": form, "customer": customer}
    return render(request, "customers/customer_form.html", context)


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
