"""Import batches: record a checked file with its rows, then apply it.

A checked file is recorded as a batch with every row that matters
(``record_batch``). Apply writes the batch's plan (``apply_batch``): from memory
when the file was just checked (the command), otherwise rebuilt from the stored
rows (a preview in the browser or the admin): the file is not read twice, nothing
depends on a temporary file on one server's disk, and what is written is exactly
what was previewed. If a customer changed since the preview, Apply refuses and
writes nothing. The batch's other changes of status are ``ImportBatch`` methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.utils.translation import ngettext

from customer_flow.lib.users import recorded_user
from customers.importing.batch_rows import planned_rows, save_rows
from customers.importing.report import (
    ImportReport,
    Plan,
    Progress,
    duplicate_message,
    no_progress,
)
from customers.importing.staging import new_plan_table
from customers.importing.writing import ConcurrentChange, write_plan
from customers.models import BatchRefused, ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AlreadyImported(BatchRefused):
    """The same file was applied before; applying again needs a confirmation."""


class BatchOutdated(BatchRefused):
    """Customers changed since the batch was checked; nothing was written."""


def record_batch(
    report: ImportReport,
    *,
    user: User | None,
    list_unchanged: bool = False,
    batch: ImportBatch | None = None,
    progress: Progress = no_progress,
) -> ImportBatch:
    """Save a checked file as a batch (status previewed) with its rows: what each
    new and changed row writes, the invalid rows, and with ``list_unchanged`` the
    unchanged rows too (a preview shows them; otherwise they are counted).

    ``batch``: a batch already made for the upload (a background check fills it
    in; it must have no rows)."""
    plan = report.plan
    assert plan is not None, "only a checked file is recorded"
    ImportBatch.objects.stale_recordings().delete()
    fields = _batch_fields(report, plan, list_unchanged=list_unchanged)
    if batch is None:
        batch = ImportBatch.objects.create(created_by=recorded_user(user), **fields)
        made = True
    else:
        for name, value in fields.items():
            setattr(batch, name, value)
        batch.save(update_fields=list(fields))
        made = False
    total = report.created + report.updated + report.invalid
    progress("recording", 0, total)
    try:
        save_rows(
            batch,
            plan=plan,
            list_unchanged=list_unchanged,
            rejected=report.rejected,
            errors=report.errors,
            progress=lambda done: progress("recording", done, total),
        )
    except BaseException:
        if made:
            batch.delete()
        raise
    batch.mark_recorded()
    progress("recording", total, total)
    return batch


def _batch_fields(
    report: ImportReport, plan: Plan, *, list_unchanged: bool
) -> dict[str, object]:
    """A recorded batch's fields, from its checked file's report and plan."""
    return {
        "file_name": report.file_name[:255],
        "file_size": report.file_size,
        "sha256": report.sha256,
        "mode": (
            ImportBatch.Mode.SKIP_INVALID
            if report.skip_invalid
            else ImportBatch.Mode.ALL_OR_NOTHING
        ),
        "status": ImportBatch.Status.RECORDING,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "invalid": report.invalid,
        "header": report.header,
        "warnings": report.warnings,
        "parked": plan.park,
        "max_file_id": plan.max_file_id,
        "lists_unchanged": list_unchanged,
    }


def load_plan(batch: ImportBatch) -> Plan:
    """The plan of a previewed batch, rebuilt from its stored rows."""
    table = new_plan_table()
    if planned_rows(batch, table) != batch.created + batch.updated:
        raise BatchRefused(
            "This preview is incomplete (it was interrupted while being saved); "
            "upload the file again."
        )
    return Plan(
        table,
        list(batch.parked),
        batch.max_file_id,
        created=batch.created,
        updated=batch.updated,
    )


def apply_batch(
    *,
    batch: ImportBatch,
    user: User | None,
    force: bool = False,
    plan: Plan | None = None,
    progress: Progress = no_progress,
) -> float:
    """Write a previewed batch exactly as previewed; return the write's seconds.

    ``plan`` is the batch's plan when the caller has it (it is otherwise read
    back from the batch's rows). Not wrapped in a transaction here: the write
    stages its rows first and then writes in one transaction of its own (see
    ``writing.write_plan``), which also marks the batch applied. Raises
    ``BatchRefused``; ``AlreadyImported`` when the same file was applied before,
    unless ``force``; ``BatchOutdated`` when customers changed since the check
    (the batch is then out of date).
    """
    batch.refresh_from_db()
    check_can_apply(batch, force=force)
    if plan is None:
        plan = load_plan(batch)
    try:
        return write_plan(plan, batch=batch, by=user, progress=progress)
    except (ConcurrentChange, IntegrityError):
        batch.mark_outdated()
        raise BatchOutdated(
            "Customers changed since this preview, so nothing was written. Upload "
            "the file again for a new preview."
        ) from None


def check_can_apply(batch: ImportBatch, *, force: bool) -> None:
    """Raise ``BatchRefused`` (``AlreadyImported``) unless the batch can be
    applied now; a background apply checks before it is queued."""
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise BatchRefused(
            f"Import #{batch.pk} is {batch.get_status_display().lower()}: only a "
            "preview can be applied."
        )
    if batch.is_refused:
        rows = ngettext(
            "This file has %(count)d invalid row",
            "This file has %(count)d invalid rows",
            batch.invalid,
        ) % {"count": batch.invalid}
        raise BatchRefused(
            f"{rows} and was uploaded as all or nothing, so nothing can be "
            "imported. Download the rejected rows, fix them and upload the file "
            "again, or upload it with “Valid rows only”."
        )
    duplicate = batch.duplicate()
    if duplicate is not None and (batch.created or batch.updated) and not force:
        raise AlreadyImported(
            f"{duplicate_message(duplicate)} Confirm that it should be imported again."
        )
