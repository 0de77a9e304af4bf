"""Ticket types in and out for support leads, in the staff pages (not only the
admin): upload ticket_types.json, see what it would change, apply or discard it;
download them as ticket_types.json.

The preview is a dry run of the same importer the command and the admin use
(``tickets.importing``); the uploaded file waits in the default storage under a
signed name until it is applied or discarded, so Apply imports the file that was
previewed (checked again, so a refused file still writes nothing).
"""

from __future__ import annotations

import io
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_POST

from customer_flow.body_limits import accepts_upload, upload_too_large
from customer_flow.lib.http import AuthenticatedHttpRequest
from tickets.exporting import write_ticket_types
from tickets.importing import import_ticket_types

IMPORT = "tickets.import_tickettype"
EXPORT = "tickets.export_tickettype"
SALT = "tickets.type_import"


class TypeUploadForm(forms.Form):
    deactivate_missing = forms.BooleanField(
        label="Deactivate the active types missing from the file", required=False
    )
    file = forms.FileField(
        label="ticket_types.json",
        help_text='A JSON object of codes and names: {"1": "Technical Issue", ...}.',
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(
        self, *args: object, too_large: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        file = cleaned.get("file")
        limit = settings.ADMIN_IMPORT_MAX_BYTES
        if self.too_large or (file is not None and file.size > limit):
            self.add_error("file", f"This file is larger than {filesizeformat(limit)}.")
        return cleaned


class TypeApplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


@accepts_upload(permission=IMPORT, max_bytes="ADMIN_IMPORT_MAX_BYTES")
@permission_required(IMPORT, raise_exception=True)
def type_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload, then the preview of what the file would change."""
    if request.method != "POST":
        return render(request, "tickets/type_import.html", {"form": TypeUploadForm()})
    too_large = upload_too_large(request)
    form = TypeUploadForm(request.POST, request.FILES, too_large=too_large)
    if not form.is_valid():
        status = 413 if too_large else 200
        return render(
            request, "tickets/type_import.html", {"form": form}, status=status
        )
    upload = form.cleaned_data["file"]
    deactivate = form.cleaned_data["deactivate_missing"]
    report = import_ticket_types(upload, dry_run=True, deactivate_missing=deactivate)
    context: dict[str, object] = {"form": form, "report": report}
    if not report.refused:
        upload.seek(0)
        name = default_storage.save(f"ticket-types/{uuid.uuid4().hex}.json", upload)
        token = signing.dumps({"file": name, "deactivate": deactivate}, salt=SALT)
        context["apply_form"] = TypeApplyForm(initial={"token": token})
    return render(request, "tickets/type_import.html", context)


@permission_required(IMPORT, raise_exception=True)
@require_POST
def type_import_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TypeApplyForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["token"], salt=SALT, max_age=86400)
        name = data["file"]
        with default_storage.open(name, "rb") as file:
            content = file.read()
    except (signing.BadSignature, KeyError, TypeError, FileNotFoundError):
        messages.error(
            request, "This preview is no longer available: upload the file again."
        )
        return redirect("tickets:type_import")
    if "discard" in request.POST:
        default_storage.delete(name)
        messages.success(request, "Preview discarded; nothing was imported.")
        return redirect("tickets:types")
    report = import_ticket_types(
        content, deactivate_missing=data["deactivate"], user=request.user
    )
    if report.refused:
        return render(request, "tickets/type_import.html", {"report": report})
    default_storage.delete(name)
    messages.success(request, f"Ticket types imported: {report.summary()}.")
    return redirect("tickets:types")


@permission_required(EXPORT, raise_exception=True)
def type_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = io.StringIO()
    write_ticket_types(text)
    response = HttpResponse(text.getvalue(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="ticket_types.json"'
    return response
