"""Who to record as the author of a change."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

# Who does something: a signed-in user, an anonymous visitor, or nobody (a
# management command).
Actor = AbstractBaseUser | AnonymousUser | None


def recorded_user(user: Actor) -> AbstractBaseUser | None:
    """``user``, or None for nobody (a command) and for an anonymous visitor,
    who cannot be the author of a history row."""
    if user is None or isinstance(user, AnonymousUser) or user.pk is None:
        return None
    return user
