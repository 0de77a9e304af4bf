from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from customer_flow.lib.command_files import open_input
from customer_flow.lib.progress import TerminalProgress
from customers.importing import MATCHING_RULE, import_customers, write_rejected_rows

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}


class Command(BaseCommand):
    help = (
        "Import customers from an id.csv file (columns ID, Name, Email and optional "
        f"Phone, in any order and case). {MATCHING_RULE} All or nothing: a file with "
        "an invalid row writes nothing, unless --skip-invalid. Each import is "
        "recorded as a batch (see import_batches) that revert_import undoes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The CSV file, or - for standard input.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the valid rows and report the others.",
        )
        parser.add_argument(
            "--report",
            metavar="FILE",
            help="Write the rejected rows as CSV (their columns plus line and error).",
        )
        parser.add_argument(
            "--encoding",
            help="The file's encoding (default: UTF-8 with or without BOM, or "
            "UTF-16 by its BOM), e.g. cp1252.",
        )
        parser.add_argument(
            "--delimiter",
            choices=[",", ";", "tab"],
            metavar="{,|;|tab}",
            help="Default: recognised from the header line.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import a file again although an applied batch has the same "
            "SHA-256 (normally refused when it would write anything).",
        )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        path = options["path"]
        progress = TerminalProgress(self.stderr._out, verbosity=verbosity)
        with open_input(path) as file, progress:
            report = import_customers(
                file,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                encoding=options["encoding"],
                delimiter=DELIMITERS.get(options["delimiter"]),
                file_name="<stdin>" if path == "-" else path,
                progress=progress,
                force=options["force"],
            )
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8", newline="") as file:
                write_rejected_rows(report, file)
        if verbosity > 1:
            self.stdout.write(MATCHING_RULE)
        if verbosity:
            for warning in report.warnings:
                self.stderr.write(f"Warning: {warning}", self.style.WARNING)
            limit = None if verbosity > 1 else 1000
            for error in report.errors[:limit]:
                self.stderr.write(str(error))
            if limit and len(report.errors) > limit:
                self.stderr.write(
                    f"… and {len(report.errors) - limit} more errors "
                    "(--report FILE lists every rejected row)."
                )
        if report.refused_duplicate:
            raise CommandError(
                f"Already imported as batch #{report.duplicate_of}; nothing was "
                "written. Use --force to import it again."
            )
        if report.fatal:
            raise CommandError("File refused; nothing was written.")
        if report.refused:
            self.stdout.write(report.summary(), self.style.ERROR)
            rows = "row" if report.invalid == 1 else "rows"
            raise CommandError(
                f"File refused: {report.invalid} invalid {rows}; nothing was "
                "written. Fix them, or use --skip-invalid to import the valid rows."
            )
        if verbosity > 1 and report.batch_id:
            self.stdout.write(f"Recorded as import batch #{report.batch_id}.")
        if verbosity:
            self.stdout.write(report.summary(), self.style.SUCCESS)
