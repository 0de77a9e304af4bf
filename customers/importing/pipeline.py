"""Import customers from an id.csv file: check it, record it, apply it.

``import_customers`` is what the command calls; the web pages and the admin call
its two halves apart: ``preview_import`` (check and record) when the file is
uploaded, ``batches.apply_batch`` when the preview is confirmed. The check's
steps, each in its own module:

    csv_reading.read_csv -> intake.drop_empty_rows -> intake.choose_columns
    -> rules.validate_rows -> matching.plan_changes -> id_range.refuse_id_overflow
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from typing import IO, TYPE_CHECKING

import numpy as np
import pyarrow as pa

from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import FileRefused, RowError
from customer_flow.lib.sqlite_scans import unmapped
from customers.importing.batches import BatchOutdated, apply_batch, record_batch
from customers.importing.columns import error_order
from customers.importing.csv_reading import CsvTable, read_csv
from customers.importing.id_range import refuse_id_overflow
from customers.importing.intake import add_empty_ids, choose_columns, drop_empty_rows
from customers.importing.matching import plan_changes
from customers.importing.report import (
    ImportReport,
    Progress,
    duplicate_message,
    empty_rows_warning,
    no_progress,
)
from customers.importing.rules import staged_rows, validate_rows
from customers.importing.staging import append_rows, new_stage
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
        report = _check(
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
        return _check(
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


def apply_preview(
    batch: ImportBatch, *, user: User | None, force: bool = False
) -> ImportReport:
    """Apply a previewed batch and report it as ``import_customers`` would have
    (the admin's confirmation)."""
    report = ImportReport(
        file_name=batch.file_name,
        file_size=batch.file_size,
        sha256=batch.sha256,
        skip_invalid=batch.mode == ImportBatch.Mode.SKIP_INVALID,
        created=batch.created,
        updated=batch.updated,
        unchanged=batch.unchanged,
        invalid=batch.invalid,
        header=list(batch.header),
        warnings=list(batch.warnings),
    )
    try:
        report.write_seconds = apply_batch(batch=batch, user=user, force=force)
    except BatchRefused as refused:
        outcome = (
            Outcome.CONFLICT
            if isinstance(refused, BatchOutdated)
            else Outcome.REFUSED_FILE
        )
        return _refuse(report, RowError(None, None, None, refused.message), outcome)
    report.outcome = Outcome.WRITTEN
    report.batch_id = batch.pk
    return report


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


def _check(
    file: IO[bytes] | bytes,
    *,
    skip_invalid: bool,
    encoding: str | None,
    delimiter: str | None,
    file_name: str | None,
    progress: Progress,
    columns: dict[str, str] | None = None,
) -> ImportReport:
    data = file if isinstance(file, bytes) else file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = ImportReport(
        file_name=file_name if file_name is not None else getattr(file, "name", ""),
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        skip_invalid=skip_invalid,
    )
    duplicate = ImportBatch.objects.imported_before(report.sha256)
    if duplicate is not None:
        report.duplicate_of = duplicate.pk
        report.warnings.append(duplicate_message(duplicate))
    progress("reading", 0, report.file_size)
    try:
        table = read_csv(data, encoding=encoding, delimiter=delimiter)
    except FileRefused as refused:
        return _refuse(report, refused.error)
    progress("reading", report.file_size, report.file_size)
    del data
    report.header = table.header
    empty_rows = drop_empty_rows(table)
    if empty_rows:
        report.warnings.append(empty_rows_warning(empty_rows))
    positions = _read_header(report, table, columns)
    if positions is not None:
        _compare(report, table, positions, progress)
    return report


def _read_header(
    report: ImportReport, table: CsvTable, columns: dict[str, str] | None
) -> dict[str, int] | None:
    """The known columns' positions, with warnings about the others; None when
    the header refuses the file."""
    if not table.header:
        _refuse(
            report,
            RowError(
                1,
                None,
                None,
                "The file is empty: expected a header line "
                "ID,Name,Email,Phone and one row per customer.",
            ),
        )
        return None
    choice = choose_columns(table.header, table.header_line, columns)
    positions, unknown = choice.positions, choice.unknown
    report.warnings.extend(choice.warnings)
    if choice.errors:
        report.errors.extend(choice.errors)
        report.column_suggestion = choice.suggestion
        report.outcome = Outcome.REFUSED_FILE
        return None
    add_empty_ids(table, positions)
    if unknown:
        report.warnings.append(f"Ignored unknown columns: {', '.join(unknown)}.")
    if "phone" not in positions:
        report.warnings.append(
            "No Phone column: existing customers keep their phone numbers."
        )
    if table.num_rows == 0 and not table.errors:
        report.warnings.append("The file has a header but no rows.")
    return positions


def _compare(
    report: ImportReport,
    table: CsvTable,
    positions: dict[str, int],
    progress: Progress,
) -> None:
    """Validate the rows, compare them with the customers, and plan."""
    validated = validate_rows(table, positions, progress)
    stage = new_stage()
    append_rows(stage, staged_rows(validated))
    progress("matching", 0, table.num_rows)
    plan, unchanged, db_errors, warnings = plan_changes(
        stage, has_phone="phone" in positions, progress=progress
    )
    progress("matching", table.num_rows, table.num_rows)
    report.warnings.extend(warnings)
    errors = table.errors + validated.errors + db_errors + refuse_id_overflow(plan)
    errors.sort(key=error_order)
    report.errors = errors
    _collect_rejected(report, table, errors)
    report.invalid = len({e.line for e in errors})
    report.created, report.updated = plan.created, plan.updated
    report.unchanged = unchanged
    report.plan = plan
    if errors and not report.skip_invalid:
        report.outcome = Outcome.REFUSED_ROWS


def _refuse(
    report: ImportReport, error: RowError, outcome: Outcome = Outcome.REFUSED_FILE
) -> ImportReport:
    report.errors.append(error)
    report.outcome = outcome
    return report


def _refuse_duplicate(report: ImportReport) -> ImportReport:
    # Applying a file again would undo the edits made since, or bring back
    # customers removed since: only on purpose.
    return _refuse(
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
            return _refuse(report, RowError(None, None, None, refused.message))
        message = (
            "Customers changed while this file was being imported, so nothing "
            "was written; import it again."
        )
        return _refuse(report, RowError(None, None, None, message), Outcome.CONFLICT)
    report.outcome = Outcome.WRITTEN
    report.batch_id = batch.pk
    return report


def _collect_rejected(
    report: ImportReport, table: CsvTable, errors: list[RowError]
) -> None:
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        if error.line is not None:
            reasons[error.line].append(error.reason)
    if not reasons:
        return
    rows = np.flatnonzero(np.isin(table.lines, list(reasons)))
    raw = table.columns.take(pa.array(rows, pa.int64())).to_pylist()
    rejected = [
        (
            int(table.lines[row]),
            list(values.values()),
            "; ".join(reasons[int(table.lines[row])]),
        )
        for row, values in zip(rows.tolist(), raw, strict=True)
    ]
    rejected += [
        (line, values, "; ".join(reasons[line])) for line, values in table.malformed
    ]
    report.rejected = sorted(rejected, key=lambda item: item[0])
