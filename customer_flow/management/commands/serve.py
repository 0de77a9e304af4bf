from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from customer_flow.serving import mail_destination, serve


class Command(BaseCommand):
    help = (
        "Serve the app on ADDRPORT (development server) together with the background "
        "workers that run imports and send email; Ctrl-C stops them all. In "
        "production run gunicorn and `manage.py db_worker` instead (see the README)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--noreload",
            action="store_false",
            dest="use_reloader",
            help="Don't restart the server when code changes.",
        )

    def handle(
        self, *args: Any, addrport: str, use_reloader: bool, **options: Any
    ) -> None:
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Serving http://{addrport}/ with background workers "
                "(imports; email and everything else). Ctrl-C stops them all."
            )
            self.stdout.write(mail_destination())
        serve(addrport, use_reloader=use_reloader)
