"""Settings read from the environment: a flag, a number, a comma-separated list."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """``name`` as a flag (true/false, yes/no, on/off, 1/0); unset or blank:
    ``default``. ``ImproperlyConfigured`` for any other value."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be true or false, not {os.environ[name]!r}"
    )


def env_int(name: str, default: int) -> int:
    """``name`` as a whole number; unset: ``default``."""
    return int(os.environ.get(name, str(default)))


def env_list(name: str, default: str) -> list[str]:
    """``name`` (unset: ``default``) split at commas, each item stripped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]
