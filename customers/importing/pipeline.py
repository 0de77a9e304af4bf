"""Import customers from an id.csv file: check it, record it, apply it.

``import_customers`` is what the command calls; the web pages and the admin call
its two halves apart: ``preview_import`` (check and record) when the file is
uploaded, ``batches.apply_batch`` when the preview is confirmed. The check's
steps, each in its own module:

    a chunk at a time: csv_reading.read_chunks -> intake.drop_empty_rows
        -> intake.choose_columns (the first) -> rules.validate_chunk
        -> staging.append_rows
    then on the staging table: staging.refuse_lost_zeros, refuse_duplicates
        -> matching.plan_changes -> id_range.refuse_id_overflow

Only a chunk of the file (``csv_reading.CHUNK_BYTES``) is in memory at a time;
the whole-file steps are SQL over the staging table (``staging``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

import numpy as np
import pyarrow as pa

from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import FileRefused, RowError
from customer_flow.lib.sqlite_scans import unmapped
from customers.importing.batches import BatchOutdated, apply_batch, record_batch
from customers.importing.columns import error_order
from customers.importing.csv_reading import CsvTable, read_chunks
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
from customers.importing.rules import PhoneShapes, staged_rows, validate_chunk
from customers.importing.staging import (
    Stage,
    append_rows,
    new_stage,
    refuse_duplicates,
    refuse_lost_zeros,
)
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


class _Source:
    """The file's bytes, a block at a time, hashed as they are read; read again
    for a second pass (a file that cannot seek is copied aside meanwhile)."""

    BLOCK = 4 << 20

    def __init__(self, file: IO[bytes] | bytes | str) -> None:
        if isinstance(file, str):
            file = io.BytesIO(file.encode("utf-8"))
        elif isinstance(file, bytes | bytearray):
            file = io.BytesIO(file)
        self.file = file
        self.seekable = file.seekable()
        self.start = file.tell() if self.seekable else 0
        self.copy: IO[bytes] | None = (
            None if self.seekable else tempfile.TemporaryFile()
        )
        self.hash = hashlib.sha256()
        self.size = 0
        self.total = 0
        if self.seekable:
            self.total = file.seek(0, io.SEEK_END) - self.start
            file.seek(self.start)

    def blocks(self) -> Iterator[bytes]:
        while block := self.file.read(self.BLOCK):
            if isinstance(block, str):  # a text file
                block = block.encode("utf-8")
            self.hash.update(block)
            self.size += len(block)
            if self.copy is not None:
                self.copy.write(block)
            yield block

    def again(self) -> Iterator[bytes]:
        file = self.file if self.copy is None else self.copy
        file.seek(self.start if self.copy is None else 0)
        while block := file.read(self.BLOCK):
            yield block.encode("utf-8") if isinstance(block, str) else block

    def finish(self, report: ImportReport) -> None:
        """Read what is left, and say what was read."""
        for _block in self.blocks():
            pass
        report.file_size, report.sha256 = self.size, self.hash.hexdigest()

    def close(self) -> None:
        """Drop the copy of a file that cannot seek."""
        if self.copy is not None:
            self.copy.close()


@dataclass
class _Scan:
    """What the first pass over a file found."""

    stage: Stage
    positions: dict[str, int]
    delimiter: str
    rows: int = 0
    empty_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: dict[int, list[str]] = field(default_factory=dict)
    """line -> the cells of each row refused so far"""
    phones: PhoneShapes = field(default_factory=PhoneShapes)


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
    """Read the file a chunk at a time into the staging table, then check the
    whole of it there."""
    source = _Source(file)
    report = ImportReport(
        file_name=file_name if file_name is not None else getattr(file, "name", ""),
        skip_invalid=skip_invalid,
    )
    try:
        scan = _read(report, source, encoding, delimiter, columns, progress)
    except FileRefused as refused:
        _refuse(report, refused.error)
        scan = None
    try:
        source.finish(report)
    except FileRefused:
        pass  # already refused
    duplicate = ImportBatch.objects.imported_before(report.sha256)
    if duplicate is not None:
        report.duplicate_of = duplicate.pk
        report.warnings.insert(0, duplicate_message(duplicate))
    try:
        if scan is not None:
            _compare(report, scan, progress)
            _collect_rejected(report, scan, source, encoding)
    finally:
        source.close()
    return report


def _read(
    report: ImportReport,
    source: _Source,
    encoding: str | None,
    delimiter: str | None,
    columns: dict[str, str] | None,
    progress: Progress,
) -> _Scan | None:
    """Read, clean and stage every chunk of rows; None when the header refuses
    the file."""
    progress("reading", 0, source.total)
    scan: _Scan | None = None
    for table in read_chunks(source.blocks(), encoding=encoding, delimiter=delimiter):
        empty_rows = drop_empty_rows(table)
        if scan is None:
            report.header = table.header
            positions = _read_header(report, table, columns)
            if positions is None:
                return None
            scan = _Scan(new_stage(), positions, table.delimiter)
        scan.empty_rows += empty_rows
        add_empty_ids(table, scan.positions)
        validated = validate_chunk(table, scan.positions)
        scan.errors += table.errors + validated.errors
        _keep_rejected(scan, table, validated.errors)
        append_rows(scan.stage, staged_rows(validated, scan.phones))
        scan.rows += table.num_rows
        progress("reading", source.size, source.total)
    assert scan is not None  # read_chunks gives a table even for an empty file
    if scan.empty_rows:
        report.warnings.append(empty_rows_warning(scan.empty_rows))
    if scan.rows == 0 and not scan.errors:
        report.warnings.append("The file has a header but no rows.")
    return scan


def _keep_rejected(scan: _Scan, table: CsvTable, errors: list[RowError]) -> None:
    """The cells of a chunk's refused rows, for the rejected-rows report."""
    scan.rejected.update(table.malformed)
    lines = {error.line for error in errors if error.line is not None}
    if not lines:
        return
    rows = np.flatnonzero(np.isin(table.lines, list(lines)))
    raw = table.columns.take(pa.array(rows, pa.int64())).to_pylist()
    for row, values in zip(rows.tolist(), raw, strict=True):
        scan.rejected[int(table.lines[row])] = list(values.values())


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
    if unknown:
        report.warnings.append(f"Ignored unknown columns: {', '.join(unknown)}.")
    if "phone" not in positions:
        report.warnings.append(
            "No Phone column: existing customers keep their phone numbers."
        )
    return positions


def _compare(report: ImportReport, scan: _Scan, progress: Progress) -> None:
    """Check the file as a whole, compare it with the customers, and plan."""
    total = scan.rows
    progress("validating", 0, total)
    errors = scan.errors + refuse_lost_zeros(scan.stage, scan.phones)
    errors += refuse_duplicates(scan.stage)
    progress("validating", total, total)
    progress("matching", 0, total)
    plan, unchanged, db_errors, warnings = plan_changes(
        scan.stage, has_phone="phone" in scan.positions, progress=progress
    )
    progress("matching", total, total)
    report.warnings.extend(warnings)
    errors += db_errors + refuse_id_overflow(plan)
    errors.sort(key=error_order)
    report.errors = errors
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
    report: ImportReport, scan: _Scan, source: _Source, encoding: str | None
) -> None:
    """The cells and reasons of every refused row. Rows refused by a check of
    the whole file (a duplicate, an email taken) are found by reading the file
    again, only when there are some."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in report.errors:
        if error.line is not None:
            reasons[error.line].append(error.reason)
    if not reasons:
        return
    missing = np.array(sorted(set(reasons) - set(scan.rejected)), np.int64)
    if len(missing):
        blocks = source.again()
        for table in read_chunks(blocks, encoding=encoding, delimiter=scan.delimiter):
            add_empty_ids(table, scan.positions)
            rows = np.flatnonzero(np.isin(table.lines, missing))
            raw = table.columns.take(pa.array(rows, pa.int64())).to_pylist()
            for row, values in zip(rows.tolist(), raw, strict=True):
                scan.rejected[int(table.lines[row])] = list(values.values())
    report.rejected = [
        (line, scan.rejected[line], "; ".join(reasons[line]))
        for line in sorted(reasons)
        if line in scan.rejected
    ]
