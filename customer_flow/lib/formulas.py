"""Spreadsheet formula neutralisation (OWASP CSV injection), both ways.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, tab, CR or NUL gets a
``'`` in front, so a spreadsheet shows it as text instead of running it; reading
the file back removes that one quote again, so every value round-trips.
"""

from __future__ import annotations

import re

# A cell starting with one of these may run as a formula. Cells that already
# start with quotes before a trigger get one more quote, so restore_formula()
# undoes neutralise_formula() exactly and values round-trip.
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r\x00]")
_RISKY_FIRST = frozenset("=+-@\t\r\x00'")


def neutralise_formula(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula."""
    if value[:1] in _RISKY_FIRST and _FORMULA_RE.match(value):
        return f"'{value}"
    return value


def restore_formula(value: str) -> str:
    """Undo ``neutralise_formula`` on a value read back from an export."""
    return (
        value[1:] if value.startswith("'") and _FORMULA_RE.match(value[1:]) else value
    )
