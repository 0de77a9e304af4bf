"""What the import_customers, revert_import and export_customers commands do
between parsing their arguments and exiting: open the file, show a progress bar
on standard error, call the importer, the undo or the exporter, and print its
one-line summary."""

from __future__ import annotations

import os
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError

from customer_flow.lib.command_files import open_input, open_output, to_stdout
from customer_flow.lib.command_reports import show_report
from customer_flow.lib.command_users import user_from
from customer_flow.lib.progress import TerminalProgress
from customers.exporting import WRITERS, export_format
from customers.importing import (
    MATCHING_RULE,
    RevertRefused,
    import_customers,
    revert_import,
    write_rejected_rows,
)
from customers.importing.intake import parse_columns
from customers.models import Customer, ImportBatch

DELIMITERS = {",": ",", ";": ";", "tab": "\t"}


def import_file(command: BaseCommand, path: str, options: dict[str, Any]) -> None:
    """import_customers: import ``path`` as the command's ``options`` say and
    show the report; ``CommandError`` when the file is refused."""
    verbosity = options["verbosity"]
    user = user_from(options)
    try:
        columns = options["columns"] and parse_columns(options["columns"])
    except ValueError as error:
        raise CommandError(f"--columns: {error}") from None
    with (
        open_input(path) as file,
        TerminalProgress(_stream(command.stderr), verbosity=verbosity) as progress,
    ):
        report = import_customers(
            file,
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
            encoding=options["encoding"],
            delimiter=DELIMITERS.get(options["delimiter"]),
            user=user,
            file_name="<stdin>" if path == "-" else os.path.basename(path),
            progress=progress,
            force=options["force"],
            columns=columns or None,
        )
    if options["report"]:
        with open_output(command, options["report"]) as out:
            write_rejected_rows(report, out)
    notes = []
    if verbosity > 1:
        command.stdout.write(MATCHING_RULE)
        if report.batch_id is not None:
            notes = [f"Recorded as import batch #{report.batch_id}."]
    show_report(command, report, verbosity=verbosity, notes=notes)


def revert_batch(command: BaseCommand, pk: int, options: dict[str, Any]) -> None:
    """revert_import: undo import batch ``pk`` and show what it overwrote;
    ``CommandError`` when there is no such batch or the undo is refused."""
    user = user_from(options)
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise CommandError(f"There is no import batch #{pk}.")
    try:
        report = revert_import(batch=batch, user=user, force=options["force"])
    except RevertRefused as refused:
        raise CommandError(refused.exit_message()) from None
    if options["verbosity"]:
        for conflict in report.overridden:
            command.stderr.write(f"Overwrote later changes of customer {conflict}.")
        command.stdout.write(report.summary(), command.style.SUCCESS)


def export_file(
    command: BaseCommand, path: str | None, options: dict[str, Any]
) -> None:
    """export_customers: write the customers to ``path`` (standard output for
    None or ``-``) in the format asked for or named by its extension."""
    fmt = export_format(path, options["format"])
    customers = Customer.objects.all()
    if not options["include_archived"]:
        customers = customers.active()
    # With the data on standard output, messages go to standard error.
    messages = command.stderr if to_stdout(path) else command.stdout
    bar = TerminalProgress(_stream(messages), verbosity=options["verbosity"])
    total = customers.count() if bar.enabled else 0
    with bar, open_output(command, path, binary=fmt == "xlsx") as file:
        try:
            count = WRITERS[fmt](
                customers, file, progress=lambda s, done, _: bar(s, done, total)
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
    if options["verbosity"]:
        where = "standard output" if to_stdout(path) else path
        messages.write(
            f"Exported {count} customers to {where} as {fmt}.", command.style.SUCCESS
        )


def _stream(wrapper: Any) -> TextIO:
    """The real stream behind a command's OutputWrapper (for the progress bar)."""
    return cast(TextIO, wrapper._out)
