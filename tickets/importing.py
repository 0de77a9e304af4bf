"""Import ticket types from ticket_types.json: ``{"1": "Technical Issue", ...}``.

Upsert by key: a new key creates a type, a known key renames it, keys missing from
the file are left alone (or deactivated with ``deactivate_missing``). Duplicate
keys, NaN, values that are not text, empty names and malformed JSON are refused
with their line and column, and a refused file writes nothing.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from customer_flow.lib.decoding import decode
from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import FileRefused, RowError
from customer_flow.lib.users import recorded_user
from customers import validation
from tickets.models import TicketType, validate_type_code
from tickets.ticket_types_json import Entry, parse_ticket_types

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NAME_MAX_LENGTH: int = TicketType._meta.get_field("name").max_length or 0
NAME_TAKEN = "A ticket type with this name already exists (code %(code)s)."


@dataclass
class TicketTypeReport:
    """What a ticket-type import found and did (or would do)."""

    deactivate_missing: bool = False
    outcome: Outcome = Outcome.CHECKED
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    deactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.outcome.refused

    @property
    def written(self) -> bool:
        return self.outcome is Outcome.WRITTEN

    def summary(self) -> str:
        counts = (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )
        if self.deactivate_missing:
            counts += f", {self.deactivated} deactivated"
        if self.outcome is Outcome.REFUSED_FILE:
            return "refused, nothing written: the file is not a ticket_types.json"
        if self.refused:
            return f"refused, nothing written (would be {counts})"
        return f"would be {counts}" if self.outcome is Outcome.CHECKED else counts

    def exit_message(self) -> str | None:
        """Why ``import_ticket_types`` fails, or None when it did its job."""
        if not self.refused:
            return None
        errors = ngettext("%(count)d error", "%(count)d errors", len(self.errors))
        count = {"count": len(self.errors)}
        return f"File refused: {errors % count}; nothing was written."

    def error_lines(self, limit: int | None) -> list[str]:
        """The errors, one per line: the first ``limit`` and how many more."""
        lines = [str(error) for error in self.errors[:limit]]
        if limit is not None and len(self.errors) > limit:
            more = len(self.errors) - limit
            text = ngettext(
                "… and %(count)d more error.", "… and %(count)d more errors.", more
            )
            lines.append(text % {"count": more})
        return lines


def clean_name(value: object) -> str:
    """A ticket type's name: text, trimmed, not empty, no control characters."""
    if isinstance(value, float) and math.isnan(value):
        raise ValidationError("NaN is not a name; write the name in quotes.")
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        raise ValidationError(
            f"The name must be text in double quotes, not {kind} ({value!r})."
        )
    name = validation.normalize(value)
    if not name:
        raise ValidationError(validation.REQUIRED)
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"Ensure this value has at most {NAME_MAX_LENGTH} characters (it has "
            f"{len(name)})."
        )
    validation.check_no_control_characters(name)
    validation.check_not_garbled(name)
    return name


def import_ticket_types(
    file: IO[bytes] | bytes,
    *,
    dry_run: bool = False,
    deactivate_missing: bool = False,
    user: User | None = None,
) -> TicketTypeReport:
    """Import a ticket_types.json file and report what happened."""
    data = file if isinstance(file, bytes) else file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = TicketTypeReport(deactivate_missing=deactivate_missing)
    try:
        entries = parse_ticket_types(bytes(decode(data)).decode("utf-8"))
    except FileRefused as refused:
        report.errors.append(refused.error)
        report.outcome = Outcome.REFUSED_FILE
        return report
    check = _Check(report)
    check.clean(entries)
    existing = {t.code: t for t in TicketType.objects.all()}
    renamed = {
        code
        for code, (name, _) in check.cleaned.items()
        if code in existing and existing[code].name != name
    }
    check.refuse_taken_names(existing, renamed)
    report.errors.sort(key=lambda error: (error.line or 0, int(error.column or 0)))
    report.invalid = len(check.invalid)
    changes = _changes(report, check.valid(), existing)
    missing = [t for code, t in existing.items() if code not in check.cleaned]
    missing = [t for t in missing if t.active] if deactivate_missing else []
    report.deactivated = len(missing)
    if report.errors:
        report.outcome = Outcome.REFUSED_ROWS
    elif not dry_run:
        _write(changes, missing, renamed, recorded_user(user))
        report.outcome = Outcome.WRITTEN
    return report


@dataclass
class _Check:
    """A file's entries checked one by one, and the reasons for refusing some
    (one reason per refused entry, so the counts match the listed errors)."""

    report: TicketTypeReport
    cleaned: dict[str, tuple[str, Entry]] = field(default_factory=dict)
    """code -> (cleaned name, entry), refused entries included"""
    invalid: set[int] = field(default_factory=set)
    """id() of the refused entries"""

    def refuse(self, entry: Entry, message: str, value: str | None = None) -> None:
        if id(entry) in self.invalid:
            return
        error = RowError(entry.line, str(entry.column), value, message)
        self.report.errors.append(error)
        self.invalid.add(id(entry))

    def clean(self, entries: list[Entry]) -> None:
        """Each entry's key and name, unique within the file."""
        by_code: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            try:
                validate_type_code(entry.code)
            except ValidationError as error:
                self.refuse(entry, " ".join(error.messages), entry.code)
                continue
            by_code[entry.code].append(entry)
        by_name: dict[str, list[Entry]] = defaultdict(list)
        for code, group in by_code.items():
            if len(group) > 1:
                self.cleaned[code] = ("", group[0])
                for entry in group:
                    others = _places(e for e in group if e is not entry)
                    self.refuse(
                        entry, f'The key "{code}" is also at {others}; keep one.'
                    )
                continue
            entry = group[0]
            try:
                name = clean_name(entry.name)
            except ValidationError as error:
                shown = entry.name if isinstance(entry.name, str) else None
                self.refuse(entry, " ".join(error.messages), shown)
                continue
            self.cleaned[code] = (name, entry)
            by_name[_fold(name)].append(entry)
        for group in by_name.values():
            for entry in group if len(group) > 1 else []:
                others = ", ".join(
                    f'key "{e.code}" ({_places([e])})' for e in group if e is not entry
                )
                name = self.cleaned[entry.code][0]
                self.refuse(
                    entry,
                    f'The name "{name}" of key "{entry.code}" is also the name of '
                    f"{others}; names must be unique ignoring case.",
                )

    def refuse_taken_names(
        self, existing: dict[str, TicketType], renamed: set[str]
    ) -> None:
        """A name may move to another key only if its holder is renamed too."""
        holders = {_fold(t.name): t for t in existing.values()}
        for code, name in self.valid():
            holder = holders.get(_fold(name))
            if holder is None or holder.code == code:
                continue
            if holder.code not in renamed or _fold(
                self.cleaned[holder.code][0]
            ) == _fold(holder.name):
                self.refuse(
                    self.cleaned[code][1], NAME_TAKEN % {"code": holder.code}, name
                )

    def valid(self) -> list[tuple[str, str]]:
        """(code, name) of the entries not refused, in file order."""
        return [
            (code, name)
            for code, (name, entry) in self.cleaned.items()
            if id(entry) not in self.invalid
        ]


def _fold(name: str) -> str:
    """A name as names are compared: composed (NFC), ignoring case."""
    return unicodedata.normalize("NFC", name).lower()


def _places(entries: Iterable[Entry]) -> str:
    return " and ".join(f"line {e.line}, column {e.column}" for e in entries)


def _changes(
    report: TicketTypeReport,
    valid: list[tuple[str, str]],
    existing: dict[str, TicketType],
) -> list[TicketType]:
    """The ticket types to save, counted into ``report``."""
    changes = []
    for code, name in valid:
        current = existing.get(code)
        if current is None:
            report.created += 1
            changes.append(TicketType(code=code, name=name))
        elif current.name != name:
            report.updated += 1
            current.name = name
            changes.append(current)
        else:
            report.unchanged += 1
    return changes


@transaction.atomic
def _write(
    changes: list[TicketType],
    deactivate: list[TicketType],
    renamed: set[str],
    user: User | None,
) -> None:
    # Park renamed types' names first, so two types can swap names (a control
    # character: no valid name can clash with the parked one).
    codes = sorted(renamed)
    for start in range(0, len(codes), _BATCH):
        TicketType.objects.filter(code__in=codes[start : start + _BATCH]).update(
            name=Concat(Value("\x01renaming "), "code")
        )
    for ticket_type in deactivate:
        ticket_type.active = False
    # In bulk, with their history rows: a file of 100,000 types is one import.
    created = [t for t in changes if t.pk is None]
    updated = [*(t for t in changes if t.pk is not None), *deactivate]
    bulk_create_with_history(created, TicketType, batch_size=_BATCH, default_user=user)
    bulk_update_with_history(
        updated, TicketType, ["name", "active"], batch_size=_BATCH, default_user=user
    )


_BATCH = 500
