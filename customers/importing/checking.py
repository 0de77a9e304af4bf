"""Check an id.csv file: read it a chunk at a time into the staging table,
then check the whole of it there, and report what importing it would do.

    a chunk at a time: csv_reading.read_chunks -> intake.drop_empty_rows
        -> intake.choose_columns (the first) -> rules.validate_chunk
        -> staging.append_rows
    then on the staging table: staging.refuse_lost_zeros, refuse_duplicates
        -> matching.plan_changes -> id_range.refuse_id_overflow

Only a chunk of the file (``csv_reading.CHUNK_BYTES``) is in memory at a time;
the whole-file steps are SQL over the staging table (``staging``). The rows
refused are collected, with their cells, for the rejected-rows report (the
file is read again only for rows refused by a whole-file check).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pyarrow as pa

from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import FileRefused, RowError
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
)
from customers.importing.rules import PhoneShapes, staged_rows, validate_chunk
from customers.importing.staging import (
    Stage,
    append_rows,
    new_stage,
    refuse_duplicates,
    refuse_lost_zeros,
)
from customers.models import ImportBatch


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


def check(
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
        refuse(report, refused.error)
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
        refuse(
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


def refuse(
    report: ImportReport, error: RowError, outcome: Outcome = Outcome.REFUSED_FILE
) -> ImportReport:
    """Add ``error`` to the report and end it with ``outcome``."""
    report.errors.append(error)
    report.outcome = outcome
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
