from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customer_flow.lib.backup import BackupError, backup_sqlite


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the SQLite database to PATH while the app keeps "
        "running. Restore by stopping the app and copying the file over db.sqlite3 "
        "(delete db.sqlite3-wal and db.sqlite3-shm). On PostgreSQL, use pg_dump."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Where to write the copy.")
        parser.add_argument(
            "--force", action="store_true", help="Replace PATH if it exists."
        )

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            report = backup_sqlite(path, overwrite=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(report.summary()))
