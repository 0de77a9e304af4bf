"""Saved replies with ``{{ name }}`` placeholders, filled in without a template
engine: only listed names are replaced, by plain text, and nothing is evaluated."""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
# Anything else that looks like template syntax is refused, not passed through.
_TEMPLATE_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}")


def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in ``text``, in order, each once."""
    return list(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(text)))


def problems(text: str, allowed: set[str]) -> list[str]:
    """Why ``text`` cannot be a saved reply: unknown names or template tags."""
    found = []
    unknown = [name for name in placeholders_in(text) if name not in allowed]
    if unknown:
        names = ", ".join(_braces(name) for name in unknown)
        known = ", ".join(_braces(name) for name in sorted(allowed))
        found.append(f"Unknown placeholder {names}. You can use {known}.")
    if _TEMPLATE_SYNTAX.search(text):
        found.append("Only {{ name }} placeholders are allowed, not {% %} or {# #}.")
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known placeholder replaced by its value; unknown ones
    stay as written. The result is plain text: escape it wherever it is shown."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _braces(name: str) -> str:
    return "{{ " + name + " }}"
