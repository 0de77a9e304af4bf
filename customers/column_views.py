"""The import's mapping step: a file from another system whose headers are not
ID, Name, Email (and Phone) is kept aside while the user says which of its
columns holds each field; the mapping is then remembered for the next file with
the same headers (``customers.importing.intake``).

The upload page hands such a file over with ``start_mapping``; this page then
previews it as the upload would have, with the mapping.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from customer_flow.lib.http import AuthenticatedHttpRequest
from customers import importing
from customers.forms import ColumnMappingForm
from customers.models import ColumnMapping, ImportBatch

PERMISSION = "customers.import_customer"
_SESSION_KEY = "import_mappings"
_FOLDER = "import-mapping"


def start_mapping(
    request: AuthenticatedHttpRequest,
    upload: File,
    report: importing.ImportReport,
    *,
    mode: str,
    encoding: str,
) -> HttpResponse:
    """Keep ``upload`` for this user and send them to the mapping step."""
    token = uuid.uuid4().hex
    upload.seek(0)
    path = default_storage.save(f"{_FOLDER}/{token}.csv", upload)
    pending = request.session.get(_SESSION_KEY, {})
    pending[token] = {
        "path": path,
        "file_name": upload.name,
        "mode": mode,
        "encoding": encoding,
        "header": report.header,
        "suggestion": report.column_suggestion or {},
    }
    request.session[_SESSION_KEY] = pending
    return redirect(f"{reverse('customers:import_columns')}?upload={token}")


@permission_required(PERMISSION, raise_exception=True)
def import_columns(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = request.GET.get("upload") or request.POST.get("upload", "")
    pending = request.session.get(_SESSION_KEY, {}).get(token)
    if pending is None:  # not this user's upload, or already used
        messages.error(request, "That upload is no longer waiting: upload it again.")
        return redirect("customers:import")
    header: list[str] = pending["header"]
    form = ColumnMappingForm(
        request.POST if request.method == "POST" else None,
        header=header,
        suggestion=pending["suggestion"],
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        columns = form.columns()
        report, batch = _preview(request, pending, columns)
        if batch is not None:
            _remember(header, columns, request)
            _forget(request, token)
            return redirect(batch)
        errors = report.errors
    context = {
        "form": form,
        "upload": token,
        "file_name": pending["file_name"],
        "unmapped": form.unmapped(),
        "errors": errors,
    }
    return render(request, "customers/import_columns.html", context)


def _preview(
    request: AuthenticatedHttpRequest, pending: dict[str, Any], columns: dict[str, str]
) -> tuple[importing.ImportReport, ImportBatch | None]:
    with default_storage.open(pending["path"], "rb") as file:
        return importing.preview_import(
            file,
            user=request.user,
            skip_invalid=pending["mode"] == ImportBatch.Mode.SKIP_INVALID,
            file_name=pending["file_name"],
            encoding=pending["encoding"] or None,
            columns=columns,
        )


def _remember(
    header: list[str], columns: dict[str, str], request: AuthenticatedHttpRequest
) -> None:
    # Here, not at the top: the intake stage loads pyarrow, and the pages that
    # only show batches must not (see customers/importing/__init__.py).
    from customers.importing.intake import signature

    ColumnMapping.objects.update_or_create(
        signature=signature(header),
        defaults={"header": header, "columns": columns, "saved_by": request.user},
    )


def _forget(request: AuthenticatedHttpRequest, token: str) -> None:
    pending = request.session.get(_SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[_SESSION_KEY] = pending
    if entry is not None:
        default_storage.delete(entry["path"])
