"""How the import commands show an importer's report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.core.management.base import BaseCommand, CommandError

from customer_flow.lib.outcomes import Outcome

# Errors shown at verbosity 1; verbosity 2 shows them all.
SHOWN_ERRORS = 1000


class ImportResult(Protocol):
    outcome: Outcome
    warnings: list[str]

    def error_lines(self, limit: int | None) -> list[str]: ...

    def summary(self) -> str: ...

    def exit_message(self) -> str | None: ...


def show_report(
    command: BaseCommand,
    report: ImportResult,
    *,
    verbosity: int,
    notes: Iterable[str] = (),
) -> None:
    """Warnings and errors on standard error, then ``notes`` and the one-line
    summary on standard output, last. A refused import ends the command with
    its exit message (``CommandError``: exit status 1), after its summary when
    it was refused for its rows."""
    if verbosity:
        for warning in report.warnings:
            command.stderr.write(f"Warning: {warning}", command.style.WARNING)
        for line in report.error_lines(None if verbosity > 1 else SHOWN_ERRORS):
            command.stderr.write(line)
    message = report.exit_message()
    if message is not None:
        if report.outcome is Outcome.REFUSED_ROWS:
            command.stdout.write(report.summary(), command.style.ERROR)
        raise CommandError(message)
    if verbosity:
        for note in notes:
            command.stdout.write(note)
        command.stdout.write(report.summary(), command.style.SUCCESS)
