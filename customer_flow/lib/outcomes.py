"""How an import ended: one value instead of a handful of flags."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    CHECKED = "checked"
    """nothing written and nothing refused: a dry run or a preview"""
    WRITTEN = "written"
    REFUSED_ROWS = "refused_rows"
    """invalid rows, and the file is all or nothing: nothing written"""
    REFUSED_FILE = "refused_file"
    """the file as a whole: unreadable, no usable header"""
    DUPLICATE = "duplicate"
    """the same file was imported before, and this would write it again"""
    CONFLICT = "conflict"
    """the data changed while the file was being imported: nothing written"""

    @property
    def refused(self) -> bool:
        """Nothing was (or would be) written because of errors."""
        return self not in (Outcome.CHECKED, Outcome.WRITTEN)
