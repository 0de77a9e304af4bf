"""Read one email on standard input and put it on its ticket (for an MTA pipe)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from customer_flow.lib.command_files import read_at_most
from customer_flow.lib.mail_parsing import MailRefused
from tickets.inbound import InboundUnavailable, receive_email

# sysexits.h, as mail servers understand them: 65 bounces, 75 retries later.
EX_DATAERR, EX_TEMPFAIL = 65, 75
logger = logging.getLogger("tickets.inbound")


class Command(BaseCommand):
    help = (
        "Read one RFC 5322 message on standard input (or from PATH) and add it to "
        "its ticket, open a new ticket, or hold it. Exit status: 0 stored (or "
        "already stored), 65 not a message we accept, 75 try again later."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="-", help="a file, or -")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = settings.MESSAGE_MAX_BYTES
        try:
            raw = read_at_most(options["path"], limit + 1)
            if len(raw) > limit:
                raise MailRefused(f"larger than the {limit:,}-byte limit")
            report = receive_email(raw)
        except MailRefused as error:
            raise _fail(EX_DATAERR, f"refused: {error}") from None
        except Exception as error:  # noqa: BLE001 - the MTA must get a status
            known = (InboundUnavailable, DatabaseError, OSError)
            reason = error if isinstance(error, known) else type(error).__name__
            raise _fail(EX_TEMPFAIL, f"try again later: {reason}") from None
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(report.summary))


def _fail(code: int, reason: str) -> CommandError:
    line = " ".join(reason.split())[:300]
    logger.warning("receive_email: %s", line)
    return CommandError(line, returncode=code)
