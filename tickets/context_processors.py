"""The bell in the header: the signed-in user's unread notifications."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tickets.notifications import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """``unread_notifications``: counted (one query) only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_user(user).unread().count()
        )
    }
