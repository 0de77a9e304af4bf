"""Who changed what and when, read from django-simple-history records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Field, ForeignKey, Model, QuerySet

from customer_flow.lib.users import display_name

# Bookkeeping columns that change on every save and say nothing to a person.
IGNORED = {"updated_at", "created_at", "closed_at", "version"}
KINDS = {"+": "created", "~": "changed", "-": "deleted"}
# Timestamps whose change is an event: (set, cleared) -> what it is called.
LIFECYCLE = {"archived_at": ("archived", "restored")}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    when: datetime
    who: str
    kind: str
    changes: list[Change] = field(default_factory=list)
    # Set on a change with no earlier record to compare with (rows written in bulk
    # by an import or seed_demo have no history of their own).
    untracked: bool = False
    # Why, when recorded: "Import #3: id.csv", "Undo of import #3".
    reason: str = ""


def entries(history: QuerySet[Any], *, limit: int = 20) -> list[Entry]:
    """The newest ``limit`` history records as entries, newest first.

    One query for the records (plus one per foreign key shown), whatever the count:
    each record is compared with the next older one already fetched.
    """
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = history.model
    kept = {f.attname for f in model._meta.concrete_fields}  # not excluded_fields
    fields = [
        f
        for f in model.instance_type._meta.concrete_fields
        if f.name not in IGNORED and not f.primary_key and f.attname in kept
    ]
    labels = _related_labels(fields, records)
    result = []
    for newer, older in zip(records[:limit], records[1:] + [None], strict=False):
        changes = []
        kind = KINDS.get(newer.history_type, "changed")
        if older is not None and newer.history_type == "~":
            for f in fields:
                old, new = getattr(older, f.attname), getattr(newer, f.attname)
                if old != new and f.name in LIFECYCLE:
                    # A timestamp that says what happened: "archived", "restored".
                    kind = LIFECYCLE[f.name][new is None]
                elif old != new:
                    changes.append(
                        Change(
                            str(f.verbose_name).capitalize(),
                            _show(f, old, labels),
                            _show(f, new, labels),
                        )
                    )
        user = newer.history_user
        result.append(
            Entry(
                when=newer.history_date,
                who=display_name(user, nobody="system"),
                kind=kind,
                changes=changes,
                untracked=older is None and newer.history_type == "~",
                reason=getattr(newer, "history_change_reason", None) or "",
            )
        )
    return result


Labels = dict[str, dict[Any, str]]


def _related_labels(fields: list[Field], records: list[Model]) -> Labels:
    labels: Labels = {}
    for f in fields:
        if isinstance(f, ForeignKey):
            ids = {getattr(r, f.attname) for r in records} - {None}
            related = f.related_model  # "self" only before the apps are loaded
            if ids and not isinstance(related, str):
                objects = related._base_manager.in_bulk(ids)
                labels[f.name] = {pk: str(obj) for pk, obj in objects.items()}
    return labels


def _show(f: Field, value: object, labels: Labels) -> str:
    if value is None or value == "":
        return "—"
    if f.name in labels:
        return labels[f.name].get(value, f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    return str(value)
