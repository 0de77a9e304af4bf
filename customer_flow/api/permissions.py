"""Every API action names the model permission it needs, as the pages do.

A viewset declares ``permissions = {"list": "customers.view_customer", ...}``;
an action it does not name is refused (deny by default). A token carries its
user's permissions and no more. Anonymous callers get 401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def required_permission(view: Any) -> str | None:
    """The permission the view's current action needs; None refuses it."""
    permissions: dict[str, str] = getattr(view, "permissions", {})
    action = getattr(view, "action", None) or ""
    if action == "metadata":  # OPTIONS: whoever may list may ask
        action = "list" if "list" in permissions else "retrieve"
    return permissions.get(action)


class ModelPermissions(BasePermission):
    message = "You don't have permission to do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) is None:
            # A method this URL does not take: 405 for those who may use the
            # resource at all, 403 (as for everything) for the others.
            permissions = getattr(view, "permissions", {}).values()
            return any(user.has_perm(p) for p in permissions)
        permission = required_permission(view)
        return permission is not None and user.has_perm(permission)


class IsSignedIn(BasePermission):
    """For the schema and the docs: any signed-in user (or token)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


def caller(request: Request) -> User:
    """The authenticated user (every action's permission check made sure)."""
    return cast("User", request.user)
