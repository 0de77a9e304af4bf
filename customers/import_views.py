"""The import pages: upload a file, preview it, apply or discard, undo.

Every page needs the import permission. The importer is reached through the
``customers.importing`` package, whose stages load (with pyarrow) on first use:
pages that only show batches do not load them.
"""

from __future__ import annotations

import io
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from customer_flow.body_limits import accepts_upload, upload_too_large
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import CappedList, paginate
from customers import import_jobs, importing
from customers.duplicates import look_alikes
from customers.forms import (
    ApplyBatchForm,
    BatchModeForm,
    CheckAgainForm,
    ImportUploadForm,
    RevertBatchForm,
)
from customers.importing.reverting import (
    Conflict,
    RevertRefused,
    changed_since,
    check_revert,
    created_with_tickets,
    revert_import,
)
from customers.models import BatchRefused, Customer, ImportBatch, ImportBatchRow

PERMISSION = "customers.import_customer"
Kind = ImportBatchRow.Kind
SHOWN_CONFLICTS = 50


# The size limit is in place before anything reads the body (the CSRF check
# does): RequestBodyLimitMiddleware reads it from this mark.
# Files go to a temporary file as they arrive, never whole into memory.
@accepts_upload(
    permission=PERMISSION, max_bytes="IMPORT_UPLOAD_MAX_BYTES", to_disk=True
)
@permission_required(PERMISSION, raise_exception=True)
def batch_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    limit = settings.IMPORT_UPLOAD_MAX_BYTES
    if request.method != "POST":
        form = ImportUploadForm(limit=limit)
        return render(request, "customers/import_form.html", {"form": form})
    too_large = upload_too_large(request)
    form = ImportUploadForm(
        request.POST, request.FILES, limit=limit, too_large=too_large
    )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        batch = import_jobs.start_preview(
            upload,
            user=request.user,
            skip_invalid=form.cleaned_data["mode"] == ImportBatch.Mode.SKIP_INVALID,
            file_name=upload.name,
            encoding=form.cleaned_data["encoding"],
        )
        return redirect(batch)
    status = 413 if too_large else 200
    context = {"form": form}
    return render(request, "customers/import_form.html", context, status=status)


@permission_required(PERMISSION, raise_exception=True)
def batch_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related(
        "created_by", "applied_by", "reverted_by"
    )
    context = {"page": paginate(request, CappedList.of(batches))}
    return render(request, "customers/batch_list.html", context)


@permission_required(PERMISSION, raise_exception=True)
def batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch.objects.select_related("created_by", "applied_by", "reverted_by"),
        pk=pk,
    )
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        kind = ""
    rows = batch.rows.order_by("line")
    if kind:
        rows = rows.filter(kind=kind)
    # The batch's counts are the rows' counts: no COUNT over 100,000 rows.
    page = paginate(request, CappedList(rows, batch.count_of(kind), capped=False))
    duplicate = batch.duplicate() if batch.status == batch.Status.PREVIEWED else None
    rows_shown = _with_customers(
        cast(list[ImportBatchRow], page.object_list),
        batch.header,
        previewed=batch.status == batch.Status.PREVIEWED,
    )
    context = {
        "polling": batch.is_busy,
        # One message about a file imported before: the notice, with today's
        # counts (an admin preview also recorded it as a warning).
        "warnings": [
            w for w in batch.warnings if not (duplicate and "already imported" in w)
        ],
        "check_form": CheckAgainForm(
            initial={"encoding": batch.suggested_encoding or batch.encoding}
        ),
        "mode_form": BatchModeForm(initial={"mode": batch.mode}),
        "batch": batch,
        "page": page,
        "rows": rows_shown,
        "look_alike_rows": sum(1 for *_row, alikes in rows_shown if alikes),
        "kind": kind,
        "kinds": [
            (Kind.NEW, "New", batch.created),
            (Kind.CHANGED, "Changed", batch.updated),
            (Kind.UNCHANGED, "Unchanged", batch.unchanged),
            (Kind.INVALID, "Invalid", batch.invalid),
        ],
        "total": batch.created + batch.updated + batch.unchanged + batch.invalid,
        "duplicate": duplicate,
        "apply_form": ApplyBatchForm(),
    }
    return render(request, "customers/batch_detail.html", context)


def _with_customers(
    rows: list[ImportBatchRow], header: list[str], *, previewed: bool
) -> list[tuple[ImportBatchRow, Customer | None, str, list[Customer]]]:
    """Each row with its customer as it is now (for unchanged rows, whose values
    are not stored, and to link to the customers that still exist), for an
    invalid row its name and email as the file has them, and for a new row of a
    preview the existing customers it looks like (``customers.duplicates``)."""
    ids = {row.customer_id for row in rows if row.customer_id}
    customers = Customer.objects.in_bulk(ids) if ids else {}
    names = [cell.strip().casefold() for cell in header]
    shown = [names.index(name) for name in ("name", "email") if name in names]
    new = [row for row in rows if previewed and row.kind == Kind.NEW]
    alikes = dict(
        zip(
            (row.pk for row in new),
            look_alikes((row.name, row.email, row.phone) for row in new),
            strict=True,
        )
    )
    return [
        (
            row,
            customers.get(row.customer_id),
            _cells(row.values, shown),
            alikes.get(row.pk, []),
        )
        for row in rows
    ]


def _cells(values: list[str] | None, positions: list[int]) -> str:
    if not values:
        return ""
    cells = [values[i] for i in positions if i < len(values) and values[i].strip()]
    return " · ".join(cells)


@permission_required(PERMISSION, raise_exception=True)
def batch_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress box, polled by htmx while a job works; once it is done, the
    whole page is loaded again (it has the rows and the buttons)."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not request.headers.get("HX-Request"):
        return redirect(batch)  # not a page of its own
    response = render(
        request,
        "customers/_batch_progress.html",
        {"batch": batch, "polling": batch.is_busy},
    )
    if not batch.is_busy:
        response["HX-Refresh"] = "true"
    return response


@permission_required(PERMISSION, raise_exception=True)
@require_POST
def batch_check_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = CheckAgainForm(request.POST)
    encoding = form.cleaned_data["encoding"] if form.is_valid() else None
    try:
        import_jobs.check_again(batch, encoding=encoding)
    except BatchRefused as refused:
        messages.error(request, refused.message)
    return redirect(batch)


@permission_required(PERMISSION, raise_exception=True)
@require_POST
def batch_mode(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """All or nothing <-> valid rows only, without a new upload."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = BatchModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose all or nothing, or valid rows only.")
        return redirect(batch)
    try:
        batch.switch_mode(form.cleaned_data["mode"])
    except BatchRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Import #{batch.pk}: {batch.get_mode_display()}.")
    return redirect(batch)


@permission_required(PERMISSION, raise_exception=True)
@require_POST
def batch_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = ApplyBatchForm(request.POST)
    again = form.is_valid() and form.cleaned_data["again"]
    try:
        import_jobs.start_apply(batch, user=request.user, force=again)
    except BatchRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"Import #{batch.pk} is being applied: {batch.created} to create, "
            f"{batch.updated} to update. This page shows how far it got.",
        )
    return redirect(batch)


@permission_required(PERMISSION, raise_exception=True)
@require_POST
def batch_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    try:
        import_jobs.discard(batch)
    except BatchRefused as refused:
        messages.error(request, refused.message)
        return redirect(batch)
    messages.success(request, f"Preview #{batch.pk} discarded; nothing was imported.")
    return redirect("customers:batches")


@permission_required(PERMISSION, raise_exception=True)
def batch_rejected(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The batch's invalid rows as CSV: the original columns plus line and error."""
    return rejected_rows_download(get_object_or_404(ImportBatch, pk=pk))


def rejected_rows_download(batch: ImportBatch) -> HttpResponse:
    """``rejected-rows-import-<id>.csv`` (the page's and the API's download)."""
    text = io.StringIO()
    importing.write_batch_rejected_rows(batch, text)
    response = HttpResponse(
        text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    name = f"rejected-rows-import-{batch.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required(PERMISSION, raise_exception=True)
def batch_revert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Undo an applied import, after confirmation: at once, or for a large one
    by a background job that the batch page follows."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = RevertBatchForm(request.POST if request.method == "POST" else None)
    refusal: str | None = None
    conflicts: list[Conflict] = []
    if form.is_bound and form.is_valid():
        try:
            _undo(request, batch, force=form.cleaned_data["force"])
        except RevertRefused as refused:
            refusal, conflicts = refused.message, refused.conflicts
        else:
            return redirect(batch)
    elif batch.job == batch.Job.REVERT and batch.job_state == batch.JobState.FAILED:
        refusal = batch.failure  # the undo job's refusal, until undone or retried
    return _confirmation(request, batch, form, refusal, conflicts)


def _undo(
    request: AuthenticatedHttpRequest, batch: ImportBatch, *, force: bool
) -> None:
    """Undo a small batch at once, or queue the undo of a large one, and say
    so; a job at work on it is said as an error (raises ``RevertRefused``)."""
    try:
        if import_jobs.undoes_in_background(batch):
            import_jobs.start_revert(batch, user=request.user, force=force)
            messages.success(
                request,
                f"Import #{batch.pk} is being undone: {batch.created} created to "
                f"remove, {batch.updated} changed to restore. This page shows how "
                "far it got.",
            )
        else:
            report = revert_import(batch=batch, user=request.user, force=force)
            messages.success(request, report.summary())
    except BatchRefused as refused:  # a second click: its page shows the job
        messages.error(request, refused.message)


def _confirmation(
    request: AuthenticatedHttpRequest,
    batch: ImportBatch,
    form: RevertBatchForm,
    refusal: str | None,
    conflicts: list[Conflict],
) -> HttpResponse:
    """The undo's confirmation page: what it does, the customers changed since
    (and the box to undo anyway), or why it cannot be undone now."""
    with_tickets = 0
    try:
        check_revert(batch)
        if batch.is_busy:
            raise RevertRefused(
                f"Import #{batch.pk} is being undone: its page shows how far it got."
            )
    except RevertRefused as refused:
        refusal, conflicts, blocked = refused.message, [], True
    else:
        blocked = False
        if not form.is_bound:
            conflicts = changed_since(batch)
        with_tickets = created_with_tickets(batch)
    context = {
        "batch": batch,
        "form": form,
        "refusal": refusal,
        "blocked": blocked,
        "conflicts": conflicts[:SHOWN_CONFLICTS],
        "more_conflicts": max(len(conflicts) - SHOWN_CONFLICTS, 0),
        "with_tickets": with_tickets,
    }
    status = 409 if refusal and (form.is_bound or blocked) else 200
    return render(request, "customers/batch_revert.html", context, status=status)
