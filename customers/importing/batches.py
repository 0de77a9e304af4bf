"""Import batches: record a checked file with its rows, apply it, discard it.

A checked file is recorded as a batch with every row that matters
(``record_batch``). Apply writes the batch's plan (``apply_batch``): from memory
when the file was just checked (the command), otherwise rebuilt from the stored
rows (a preview in the browser or the admin): the file is not read twice, nothing
depends on a temporary file on one server's disk, and what is written is exactly
what was previewed. If a customer changed since the preview, Apply refuses and
writes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone

from customer_flow.lib.users import recorded_user
from customers.importing.batch_rows import planned_rows, rejected_rows, save_rows
from customers.importing.report import (
    ImportReport,
    Plan,
    Progress,
    duplicate_message,
    find_duplicate,
    no_progress,
    write_rejected_rows,
)
from customers.importing.writing import ConcurrentChange, write_batch
from customers.models import ImportBatch

STALE_RECORDING = timedelta(hours=1)


class BatchRefused(Exception):
    """Apply or discard was refused; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyImported(BatchRefused):
    """The same file was applied before; applying again needs a confirmation."""


def record_batch(
    report: ImportReport, *, user: object | None, list_unchanged: bool = False
) -> ImportBatch:
    """Save a checked file as a batch (status previewed) with its rows: what each
    new and changed row writes, the invalid rows, and with ``list_unchanged`` the
    unchanged rows too (a preview shows them; otherwise they are counted)."""
    plan = report.plan
    # A batch left half-recorded by a killed process is of no use to anyone.
    ImportBatch.objects.filter(
        status=ImportBatch.Status.RECORDING,
        created_at__lt=timezone.now() - STALE_RECORDING,
    ).delete()
    batch = ImportBatch(
        created_by=recorded_user(user),
        file_name=report.file_name[:255],
        file_size=report.file_size,
        sha256=report.sha256,
        mode=(
            ImportBatch.Mode.SKIP_INVALID
            if report.skip_invalid
            else ImportBatch.Mode.ALL_OR_NOTHING
        ),
        status=ImportBatch.Status.RECORDING,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        invalid=report.invalid,
        header=report.header,
        warnings=report.warnings,
        parked=plan.park,
        max_file_id=plan.max_file_id,
        lists_unchanged=list_unchanged,
    )
    batch.save()
    try:
        save_rows(
            batch,
            planned=plan.rows,
            unchanged=plan.unchanged if list_unchanged else None,
            rejected=report.rejected,
            errors=report.errors,
        )
    except BaseException:
        batch.delete()
        raise
    batch.status = ImportBatch.Status.PREVIEWED
    batch.save(update_fields=["status"])
    return batch


def load_plan(batch: ImportBatch) -> Plan:
    """The plan of a previewed batch, rebuilt from its stored rows."""
    rows = planned_rows(batch)
    if rows.num_rows != batch.created + batch.updated:
        raise BatchRefused(
            "This preview is incomplete (it was interrupted while being saved); "
            "upload the file again."
        )
    return Plan(rows, list(batch.parked), batch.max_file_id, updated=batch.updated)


def duplicate_of(batch: ImportBatch) -> ImportBatch | None:
    """An applied batch of the same file, if any (never ``batch`` itself)."""
    duplicate = find_duplicate(batch.sha256)
    return duplicate if duplicate is not None and duplicate.pk != batch.pk else None


class BatchOutdated(BatchRefused):
    """Customers changed since the batch was checked; nothing was written."""


def apply_batch(
    *,
    batch: ImportBatch,
    user: object | None,
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
    unless ``force``; ``BatchOutdated`` when customers changed since the check.
    """
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise BatchRefused(
            f"Import #{batch.pk} is {batch.get_status_display().lower()}: only a "
            "preview can be applied."
        )
    if batch.is_refused:
        raise BatchRefused(
            f"This file has {batch.invalid} invalid row"
            f"{'s' if batch.invalid != 1 else ''} and was uploaded as all or "
            "nothing, so nothing can be imported. Download the rejected rows, fix "
            "them and upload the file again, or upload it with “Valid rows only”."
        )
    duplicate = duplicate_of(batch)
    if duplicate is not None and (batch.created or batch.updated) and not force:
        raise AlreadyImported(
            f"{duplicate_message(duplicate)} Confirm that it should be imported again."
        )
    if plan is None:
        plan = load_plan(batch)
    try:
        return write_batch(plan, batch=batch, user=user, progress=progress)
    except (ConcurrentChange, IntegrityError):
        ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.OUTDATED)
        raise BatchOutdated(
            "Customers changed since this preview, so nothing was written. Upload "
            "the file again for a new preview."
        ) from None


@transaction.atomic
def discard_batch(*, batch: ImportBatch) -> None:
    """Drop a preview that will not be applied (its rows too; the record stays)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.OUTDATED):
        raise BatchRefused(
            f"Import #{batch.pk} is {batch.get_status_display().lower()}: only a "
            "preview can be discarded."
        )
    batch.status = ImportBatch.Status.DISCARDED
    batch.save(update_fields=["status"])
    batch.rows.all().delete()


def write_batch_rejected_rows(batch: ImportBatch, file: IO[str]) -> int:
    """The batch's invalid rows as CSV, as ``import_customers --report`` writes
    them: their original columns plus ``line`` and ``error``."""
    report = ImportReport(header=list(batch.header), rejected=rejected_rows(batch))
    return write_rejected_rows(report, file)
