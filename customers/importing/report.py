"""What an import found and did: the report every caller shows its own way.

No pyarrow here: the pages that show reports and
batches import this module without loading it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import ngettext

from customer_flow.lib.formulas import neutralise_formula
from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import RowError
from customers.models import ImportBatch, ImportBatchRow

MATCHING_RULE = (
    "Rows are matched to customers by ID: a new ID creates that customer, a known "
    "ID updates it, and an identical row leaves it unchanged. A row with an empty "
    "ID creates a customer with the next free ID, unless its email (ignoring case) "
    "already belongs to a customer, which it then updates."
)

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: called as each phase starts and as it moves
(``total`` 0 when not known). The phases, in order: reading (bytes), validating,
matching, recording (a preview's rows stored), staging, writing (rows). The
command draws a bar per phase; a background job shows them on the batch page
(``customers.models.import_job.PHASE_LABELS``)."""


def no_progress(step: str, done: int, total: int) -> None:
    """A ``Progress`` that shows nothing."""


@dataclass
class Plan:
    """What an import writes: one row per customer to create or update, in ID
    order, with the values it had before (for a preview or an undo). The rows
    are in a temporary table of the connection (``staging``), not in memory."""

    table: str
    """the temporary table of the rows: ``pos`` (the writing order) and the
    columns of ``columns.PLAN_SCHEMA``: kind ("+" create, "~" update), id (null:
    the next free ID, in row order after every row with an ID), the new values,
    the expected version of an updated customer and its old values"""
    park: list[int]
    """customers whose current email another row of the file takes over"""
    max_file_id: int
    created: int = 0
    """how many rows create a customer"""
    updated: int = 0
    """how many rows update a customer"""
    unchanged_from: str | None = None
    """the check's match table, whose identical rows a preview lists"""

    def head(self, count: int) -> list[dict[str, Any]]:
        """The first ``count`` rows, as dicts (a preview's first changes)."""
        names = ["kind", "id", "name", "email", "phone", "version", "line"]
        names += ["old_name", "old_email", "old_phone"]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(names)} FROM {self.table} ORDER BY pos LIMIT %s",
                [count],
            )
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class ImportReport:
    """What an import found and did (or, for a dry run, would do)."""

    file_name: str = ""
    file_size: int = 0
    sha256: str = ""
    skip_invalid: bool = False
    outcome: Outcome = Outcome.CHECKED
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    """an applied batch of the very same file (by SHA-256), if any"""
    batch_id: int | None = None
    write_seconds: float | None = None
    """how long the write transaction lasted (on SQLite: held the write lock)"""
    header: list[str] = field(default_factory=list)
    rejected: list[tuple[int, list[str], str]] = field(default_factory=list, repr=False)
    """(line, original values, reasons) of each invalid row, for --report"""
    plan: Plan | None = field(default=None, repr=False)
    column_suggestion: dict[str, str] | None = None
    """refused for its header: the columns its headers look like (for a mapping)"""

    @property
    def refused(self) -> bool:
        """Nothing is written because of errors."""
        return self.outcome.refused

    @property
    def fatal(self) -> bool:
        """Refused as a whole, not for its rows (unreadable, header, imported
        before, concurrent change)."""
        return self.refused and self.outcome is not Outcome.REFUSED_ROWS

    @property
    def written(self) -> bool:
        return self.outcome is Outcome.WRITTEN

    @property
    def counts(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )

    def summary(self) -> str:
        """One line: ``N created, N updated, N unchanged, N invalid``."""
        if self.fatal:
            return "refused, nothing written: the file could not be imported"
        if self.refused:
            return f"refused, nothing written (would be {self.counts})"
        if self.outcome is Outcome.CHECKED:
            return f"would be {self.counts}"
        return self.counts

    def exit_message(self) -> str | None:
        """Why ``import_customers`` fails, or None when it did its job."""
        if self.outcome is Outcome.DUPLICATE:
            return (
                f"Already imported as batch #{self.duplicate_of}; nothing was "
                "written. Use --force to import it again."
            )
        if self.outcome is Outcome.REFUSED_ROWS:
            rows = ngettext(
                "%(count)d invalid row", "%(count)d invalid rows", self.invalid
            ) % {"count": self.invalid}
            return (
                f"File refused: {rows}; nothing was written. Fix them, or use "
                "--skip-invalid to import the valid rows."
            )
        if self.column_suggestion is not None:
            mapped = ",".join(
                f"{name}={self.column_suggestion.get(key, '?')}"
                for key, name in [("id", "ID"), ("name", "Name"), ("email", "Email")]
                + [("phone", "Phone")] * ("phone" in self.column_suggestion)
            )
            return (
                "File refused; nothing was written. Name its columns with "
                f'--columns "{mapped}" (replace any ?; leave out ID= if it has no '
                "ID column)."
            )
        if self.refused:
            return "File refused; nothing was written."
        return None

    def error_lines(self, limit: int | None) -> list[str]:
        """The errors, one per line: the first ``limit`` and how many more."""
        lines = [str(error) for error in self.errors[:limit]]
        if limit is not None and len(self.errors) > limit:
            lines.append(
                f"… and {len(self.errors) - limit} more errors "
                "(--report FILE lists every rejected row)."
            )
        return lines


def write_rejected_rows(report: ImportReport, file: IO[str]) -> int:
    """Write the invalid rows as CSV (their columns plus ``line`` and ``error``)."""
    writer = csv.writer(file, lineterminator="\n")
    # The header too: an unknown column's name is the file's text.
    writer.writerow([*map(neutralise_formula, report.header), "line", "error"])
    for line, values, reasons in report.rejected:
        cells = [neutralise_formula(value) for value in values]
        cells += [""] * (len(report.header) - len(cells))
        writer.writerow([*cells, line, neutralise_formula(reasons)])
    return len(report.rejected)


def empty_rows_warning(count: int) -> str:
    """Says how many rows with every cell empty were skipped."""
    rows = ngettext("%(count)d row", "%(count)d rows", count) % {"count": count}
    return f"Skipped {rows} with every cell empty (as a spreadsheet leaves them)."


def duplicate_message(batch: ImportBatch) -> str:
    """Says when ``batch``, an applied import of the same file, was applied."""
    when = timezone.localtime(batch.applied_at or batch.created_at)
    return (
        f"This file was already imported as batch #{batch.pk} on {when:%Y-%m-%d %H:%M}."
    )


def write_batch_rejected_rows(batch: ImportBatch, file: IO[str]) -> int:
    """The batch's invalid rows as CSV, as ``import_customers --report`` writes
    them: their original columns plus ``line`` and ``error``."""
    rows = batch.rows.filter(kind=ImportBatchRow.Kind.INVALID).order_by("line")
    rejected = [
        (row.line, row.values or [], "; ".join(e.reason for e in row.errors()))
        for row in rows.only("line", "values", "problems")
    ]
    report = ImportReport(header=list(batch.header), rejected=rejected)
    return write_rejected_rows(report, file)
