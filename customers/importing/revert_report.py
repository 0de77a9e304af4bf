"""What undoing an import batch found and did: the customers changed since the
batch (``Conflict``), the report of a revert, and its refusal; no pyarrow, like
``report``. The undo itself is ``reverting``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import ngettext


@dataclass(frozen=True)
class Conflict:
    """A customer the batch wrote that changed (or was removed) after it."""

    id: int
    name: str
    removed: bool = False

    def __str__(self) -> str:
        return f"#{self.id} {self.name}" + (" (removed since)" if self.removed else "")


@dataclass
class RevertReport:
    """What a revert did."""

    batch_id: int
    removed: int = 0
    archived: int = 0
    restored: int = 0
    overridden: list[Conflict] = field(default_factory=list)
    """customers changed since the batch whose later changes ``force`` undid"""

    def summary(self) -> str:
        """One line: what was removed, archived and restored."""
        text = (
            f"Import #{self.batch_id} reverted: {self.removed} created customers "
            f"removed, {self.archived} archived (they have tickets), "
            f"{self.restored} restored to their previous values"
        )
        changed = sum(1 for conflict in self.overridden if not conflict.removed)
        removed = len(self.overridden) - changed
        if changed:
            text += f"; later changes to {_customers(changed)} overwritten"
        if removed:
            text += f"; {_customers(removed)} removed since stayed removed"
        return text + "."


def _customers(count: int) -> str:
    return ngettext("%(count)d customer", "%(count)d customers", count) % {
        "count": count
    }


class RevertRefused(Exception):
    """The revert was refused; nothing was changed."""

    def __init__(self, message: str, conflicts: list[Conflict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.conflicts = conflicts or []

    def exit_message(self) -> str:
        """The message for ``revert_import``, which can force the revert."""
        if self.conflicts:
            return f"{self.message} Use --force to overwrite their later changes."
        return self.message
