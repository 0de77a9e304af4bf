"""Import batches in the browser: preview a file, then apply or discard it.

A preview is the importer's dry run (``import_customers(dry_run=True)``: the same
engine, rules and messages as ``import_customers --dry-run``) saved as a batch
with every row of the file (``record_batch``). Apply rebuilds the plan from those
rows and writes it (``write_batch``): the file is not read twice, nothing depends
on a temporary file on one server's disk, and what is written is exactly what
was previewed. If a customer changed since the preview, Apply refuses and writes
nothing.
"""

from __future__ import annotations

from typing import IO

from django.db import IntegrityError, transaction

from customers.batch_rows import planned_rows, rejected_rows
from customers.importing import (
    ConcurrentChange,
    ImportReport,
    Plan,
    duplicate_message,
    find_duplicate,
    import_customers,
    record_batch,
    write_batch,
    write_rejected_rows,
)
from customers.models import ImportBatch


class BatchRefused(Exception):
    """Apply or discard was refused; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyImported(BatchRefused):
    """The same file was applied before; applying again needs a confirmation."""


def preview_import(
    file: IO[bytes],
    *,
    user: object | None,
    skip_invalid: bool,
    file_name: str,
    encoding: str | None = None,
) -> tuple[ImportReport, ImportBatch | None]:
    """Check a file and save what it would do as a previewed batch. No batch
    when the file is refused as a whole (the report's errors say why)."""
    report = import_customers(
        file,
        dry_run=True,
        skip_invalid=skip_invalid,
        user=user,
        encoding=encoding,
        file_name=file_name,
    )
    if report.fatal:
        return report, None
    return report, record_batch(report, user=user, list_unchanged=True)


def load_plan(batch: ImportBatch) -> Plan:
    """The plan of a previewed batch, rebuilt from its stored rows."""
    rows = planned_rows(batch)
    if rows.num_rows != batch.created + batch.updated:
        raise BatchRefused(
            "This preview is incomplete (it was interrupted while being saved); "
            "upload the file again."
        )
    return Plan(rows, list(batch.parked), batch.max_file_id)


def duplicate_of(batch: ImportBatch) -> ImportBatch | None:
    """An applied batch of the same file, if any (never ``batch`` itself)."""
    duplicate = find_duplicate(batch.sha256)
    return duplicate if duplicate is not None and duplicate.pk != batch.pk else None


def apply_batch(
    *, batch: ImportBatch, user: object | None, force: bool = False
) -> float:
    """Write a previewed batch exactly as previewed; return the write's seconds.

    Not wrapped in a transaction here: the write stages its rows first and then
    writes in one transaction of its own (see ``importing.write_plan``), which
    also marks the batch applied. Raises ``BatchRefused``; ``AlreadyImported``
    when the same file was applied before, unless ``force``.
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
    plan = load_plan(batch)
    try:
        return write_batch(plan, batch=batch, user=user)
    except (ConcurrentChange, IntegrityError):
        ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.OUTDATED)
        raise BatchRefused(
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
