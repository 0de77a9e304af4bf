"""``--user USERNAME``: who a management command records as the author of what
it writes (import batches, history rows). Without it, nobody is recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

if TYPE_CHECKING:
    from django.contrib.auth.models import User

USER_HELP = (
    "Record this user (a username of this site) as the author of the changes. "
    "Without it the history names no user."
)


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument("--user", metavar="USERNAME", help=USER_HELP)


def user_from(options: dict[str, Any]) -> User | None:
    """The active user ``--user`` names, or None without it; ``CommandError`` for
    a username that is not one."""
    username = options.get("user")
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(
            f'There is no active user "{username}": give the username of a user '
            "of this site (manage.py createsuperuser makes one), or leave --user "
            "out to record no user."
        )
    return user
