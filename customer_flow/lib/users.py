"""Who to record as the author of a change."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def recorded_user(user: User | None) -> User | None:
    """``user``, or None for nobody (a command) and for a user that is not
    saved (an anonymous visitor): only a saved user can author a history row."""
    return user if user is not None and user.pk is not None else None


def display_name(user: User | None, *, nobody: str = "someone") -> str:
    """The one way a person is named on every page: full name, else username."""
    if user is None:
        return nobody
    return user.get_full_name().strip() or user.get_username()
