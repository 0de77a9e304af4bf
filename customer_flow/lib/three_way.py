"""Field-level three-way merge of one record's values (model-free).

``base`` is what the editor saw when they opened the form, ``mine`` what they
submit, ``theirs`` what is saved now. A field only one side changed takes that
side's value; a field both changed to the same value is no conflict; a field both
changed to different values is a conflict, reported and left to the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Conflict:
    field: str
    base: Any
    mine: Any
    theirs: Any


@dataclass(frozen=True)
class Merge:
    """The merged values, and what each side contributed."""

    values: dict[str, Any]
    mine_changed: list[str] = field(default_factory=list)
    theirs_changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def to_write(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """The merged values that differ from ``saved``: what a save must write."""
        return {k: v for k, v in self.values.items() if saved.get(k) != v}


def merge(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> Merge:
    """Merge ``mine`` and ``theirs`` field by field against ``base``.

    Fields are those of ``mine``; a field missing from ``base`` counts as unseen
    (so any difference from ``theirs`` is a conflict unless they agree). In a
    conflict ``values`` holds ``mine``: saving again keeps the person's choice.
    """
    values: dict[str, Any] = {}
    mine_changed: list[str] = []
    theirs_changed: list[str] = []
    conflicts: list[Conflict] = []
    missing = object()
    for name, my_value in mine.items():
        seen = base.get(name, missing)
        their_value = theirs.get(name)
        i_changed = seen is missing or my_value != seen
        they_changed = seen is missing or their_value != seen
        if my_value == their_value:
            values[name] = my_value
        elif i_changed and they_changed:
            values[name] = my_value
            conflicts.append(
                Conflict(name, None if seen is missing else seen, my_value, their_value)
            )
        elif they_changed:
            values[name] = their_value
            theirs_changed.append(name)
        else:
            values[name] = my_value
        if i_changed and seen is not missing and my_value != seen:
            mine_changed.append(name)
    return Merge(values, mine_changed, theirs_changed, conflicts)
