"""The import's mapping step: a file from another system whose headers are not
ID, Name, Email (and Phone) is refused by its check with the file kept; here
the user says which of its columns holds each field, and
``customers.column_mapping`` remembers the mapping and checks the file again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from customer_flow.lib.http import AuthenticatedHttpRequest
from customers.column_mapping import batch_map_columns
from customers.forms import ColumnMappingForm
from customers.models import BatchRefused, ImportBatch

PERMISSION = "customers.import_customer"


@permission_required(PERMISSION, raise_exception=True)
def batch_columns(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch.needs_columns:
        return redirect(batch)
    # Here, not at the top: the intake stage loads pyarrow, and the pages that
    # only show batches must not (see customers/importing/__init__.py).
    from customers.importing.intake import suggest

    header = list(batch.header)
    form = ColumnMappingForm(
        request.POST if request.method == "POST" else None,
        header=header,
        suggestion=batch.columns or suggest(header),
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch_map_columns(batch=batch, columns=form.columns(), user=request.user)
        except BatchRefused as refused:
            messages.error(request, refused.message)
        return redirect(batch)
    context = {"batch": batch, "form": form, "unmapped": form.unmapped()}
    return render(request, "customers/import_columns.html", context)
