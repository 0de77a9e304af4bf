"""manage.py create_api_token USERNAME [--name NAME]: print a new token once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customer_flow.api.tokens import token_create


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it once on standard output "
        "(only its digest is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What it is for.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        User = get_user_model()  # noqa: N806
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not name.strip() or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        _token, secret = token_create(user=user, name=name)
        self.stdout.write(secret)
        if options["verbosity"] > 1:
            self.stderr.write(
                self.style.SUCCESS(f"Token “{name}” created for {username}.")
            )
