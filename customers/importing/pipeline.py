"""Import customers from an id.csv file: check it, record it, apply it.

``import_customers`` is what the command calls; the web pages and the admin call
its two halves apart: ``preview_import`` (check and record) when the file is
uploaded, ``batches.apply_batch`` when the preview is confirmed. The check's
steps, each in its own module, are run by ``checking.check``.
"""

from __future__ import annotations

import functools
from typing import IO, TYPE_CHECKING

import pyarrow as pa

from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import RowError
from customer_flow.lib.sqlite_scans import unmapped
from customers.importing.batches import BatchOutdated, apply_batch, record_batch
from customers.importing.checking import check, refuse
from customers.importing.report import ImportReport, Progress, no_progress
from customers.models import BatchRefused, ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def import_customers(
    file: IO[bytes] | bytes,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    user: User | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
    force: bool = False,
    columns: dict[str, str] | None = None,
) -> ImportReport:
    """Import an id.csv file and report what happened; see ``MATCHING_RULE``.

    All or nothing by default: any invalid row refuses the whole file and nothing
    is written. With ``skip_invalid`` the valid rows are written and the others
    reported. With ``dry_run`` nothing is written either way. A file already
    imported (an applied batch with the same SHA-256) is refused unless ``force``;
    a dry run only warns. What is written is recorded as an ``ImportBatch`` with
    its rows, so that it can be undone (``reverting``).
    """
    progress = progress or no_progress
    _use_jemalloc()
    with unmapped():
        report = check(
            file,
            skip_invalid=skip_invalid,
            encoding=encoding,
            delimiter=delimiter,
            file_name=file_name,
            progress=progress,
            columns=columns,
        )
        if report.refused or dry_run:
            return report
        if report.duplicate_of is not None and not force:
            if report.created or report.updated:
                return _refuse_duplicate(report)
        return _record_and_apply(report, user=user, force=force, progress=progress)


def check_file(
    file: IO[bytes] | bytes,
    *,
    skip_invalid: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
    columns: dict[str, str] | None = None,
) -> ImportReport:
    """Check a file and report what importing it would do, writing nothing."""
    _use_jemalloc()
    with unmapped():
        return check(
            file,
            skip_invalid=skip_invalid,
            encoding=encoding,
            delimiter=delimiter,
            file_name=file_name,
            progress=progress or no_progress,
            columns=columns,
        )


def preview_import(
    file: IO[bytes],
    *,
    user: User | None,
    skip_invalid: bool,
    file_name: str,
    encoding: str | None = None,
    columns: dict[str, str] | None = None,
) -> tuple[ImportReport, ImportBatch | None]:
    """Check a file and save what it would do as a previewed batch, with every
    row (unchanged ones too). No batch when the file is refused as a whole (the
    report's errors say why)."""
    report = check_file(
        file,
        skip_invalid=skip_invalid,
        encoding=encoding,
        file_name=file_name,
        columns=columns,
    )
    if report.fatal:
        return report, None
    return report, record_batch(report, user=user, list_unchanged=True)


@functools.cache
def _use_jemalloc() -> None:
    # The columns live in pyarrow's memory pool; its jemalloc pool hands freed
    # memory back sooner than the default (mimalloc): a 1M-row import peaks about
    # 100 MB lower (bench/). With a decay of 0 it hands it back at once instead
    # of a second later: each step's temporaries (regex matches, lower-cased
    # emails, a chunk's CSV text) no longer pile up on the next step's; a 1M-row
    # dry run with 10% changed peaked at 453 MB instead of 552 MB.
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # a build without jemalloc
        pass


def _refuse_duplicate(report: ImportReport) -> ImportReport:
    # Applying a file again would undo the edits made since, or bring back
    # customers removed since: only on purpose.
    return refuse(
        report,
        RowError(
            None,
            None,
            None,
            f"Already imported as batch #{report.duplicate_of}: importing it again "
            f"would create {report.created} and update {report.updated} customers. "
            "Nothing was written.",
        ),
        Outcome.DUPLICATE,
    )


def _record_and_apply(
    report: ImportReport, *, user: User | None, force: bool, progress: Progress
) -> ImportReport:
    batch = record_batch(report, user=user, progress=progress)
    try:
        report.write_seconds = apply_batch(
            batch=batch, user=user, force=force, plan=report.plan, progress=progress
        )
    except BatchRefused as refused:
        batch.delete()  # and its rows: nothing of this import is kept
        if not isinstance(refused, BatchOutdated):
            return refuse(report, RowError(None, None, None, refused.message))
        message = (
            "Customers changed while this file was being imported, so nothing "
            "was written; import it again."
        )
        return refuse(report, RowError(None, None, None, message), Outcome.CONFLICT)
    report.outcome = Outcome.WRITTEN
    report.batch_id = batch.pk
    return report
