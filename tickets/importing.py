"""Import ticket types from ticket_types.json: ``{"1": "Technical Issue", ...}``.

Upsert by key: a new key creates a type, a known key renames it, keys missing from
the file are left alone (or deactivated with ``deactivate_missing``). Duplicate
keys, NaN, values that are not text, empty names and malformed JSON are refused
with their line and column, and a refused file writes nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils.translation import ngettext

from customer_flow.lib.decoding import decode
from customer_flow.lib.outcomes import Outcome
from customer_flow.lib.row_errors import FileRefused, RowError
from customer_flow.lib.users import recorded_user
from customers import validation
from tickets.models import TicketType, validate_type_code

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
            lines.append(f"… and {len(self.errors) - limit} more errors.")
        return lines


@dataclass
class Entry:
    code: str
    name: object
    line: int
    column: int


def parse_ticket_types(text: str) -> list[Entry]:
    """The key/value pairs of a flat JSON object, each with the line and column
    of its value; raises ``FileRefused`` for malformed JSON."""
    decoder = json.JSONDecoder(parse_constant=lambda name: float("nan"))
    entries: list[Entry] = []
    index = _skip_space(text, 0)
    if text[index : index + 1] != "{":
        raise _malformed(text, index, 'Expected the file to start with "{".')
    index = _skip_space(text, index + 1)
    if text[index : index + 1] == "}":
        index += 1
    else:
        while True:
            entry, index = _parse_member(text, index, decoder)
            entries.append(entry)
            index = _skip_space(text, index)
            if text[index : index + 1] == ",":
                index = _skip_space(text, index + 1)
                continue
            if text[index : index + 1] == "}":
                index += 1
                break
            raise _malformed(text, index, 'Expected "," or "}".')
    if _skip_space(text, index) != len(text):
        raise _malformed(text, _skip_space(text, index), "Extra text after the object.")
    return entries


def _parse_member(
    text: str, index: int, decoder: json.JSONDecoder
) -> tuple[Entry, int]:
    """The ``"key": value`` pair at ``index``, and where it ends."""
    if text[index : index + 1] != '"':
        raise _malformed(text, index, "Expected a key in double quotes.")
    try:
        key, index = scanstring(text, index + 1)
    except json.JSONDecodeError as error:
        raise _malformed(text, error.pos, error.msg) from None
    index = _skip_space(text, index)
    if text[index : index + 1] != ":":
        raise _malformed(text, index, 'Expected ":" after the key.')
    start = _skip_space(text, index + 1)
    try:
        value, index = decoder.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise _malformed(text, error.pos, error.msg) from None
    line, column = _position(text, start)
    return Entry(key, value, line, column), index


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _position(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _malformed(text: str, index: int, message: str) -> FileRefused:
    line, column = _position(text, index)
    return FileRefused(f"Malformed JSON: {message}", line=line, column=str(column))


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
    report.invalid = len(check.invalid_lines)
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
    """A file's entries checked one by one, and the reasons for refusing some."""

    report: TicketTypeReport
    cleaned: dict[str, tuple[str, Entry]] = field(default_factory=dict)
    """code -> (cleaned name, entry), refused entries included"""
    invalid_lines: set[int] = field(default_factory=set)

    def refuse(self, entry: Entry, message: str, value: str | None = None) -> None:
        error = RowError(entry.line, str(entry.column), value, message)
        self.report.errors.append(error)
        self.invalid_lines.add(entry.line)

    def clean(self, entries: list[Entry]) -> None:
        """Each entry's key and name, unique within the file."""
        seen_names: dict[str, Entry] = {}
        for entry in entries:
            try:
                validate_type_code(entry.code)
            except ValidationError as error:
                self.refuse(entry, " ".join(error.messages), entry.code)
                continue
            if entry.code in self.cleaned:
                first = self.cleaned[entry.code][1]
                self.refuse(
                    entry, f'The key "{entry.code}" is also on line {first.line}.'
                )
                self.refuse(
                    first, f'The key "{entry.code}" is also on line {entry.line}.'
                )
                continue
            try:
                name = clean_name(entry.name)
            except ValidationError as error:
                shown = entry.name if isinstance(entry.name, str) else None
                self.refuse(entry, " ".join(error.messages), shown)
                continue
            other = seen_names.get(name.lower())
            if other is not None:
                self.refuse(entry, f'The name "{name}" is also on line {other.line}.')
                self.refuse(other, f'The name "{name}" is also on line {entry.line}.')
                continue
            seen_names[name.lower()] = entry
            self.cleaned[entry.code] = (name, entry)

    def refuse_taken_names(
        self, existing: dict[str, TicketType], renamed: set[str]
    ) -> None:
        """A name may move to another key only if its holder is renamed too."""
        for code, name in self.valid():
            holder = next(
                (
                    t
                    for t in existing.values()
                    if t.name.lower() == name.lower() and t.code != code
                ),
                None,
            )
            if holder is not None and (
                holder.code not in renamed
                or self.cleaned[holder.code][0].lower() == holder.name.lower()
            ):
                self.refuse(
                    self.cleaned[code][1], NAME_TAKEN % {"code": holder.code}, name
                )

    def valid(self) -> list[tuple[str, str]]:
        """(code, name) of the entries not refused, in file order."""
        return [
            (code, name)
            for code, (name, entry) in self.cleaned.items()
            if entry.line not in self.invalid_lines
        ]


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
    TicketType.objects.filter(code__in=renamed).update(
        name=Concat(Value("\x01renaming "), "code")
    )
    for ticket_type in deactivate:
        ticket_type.active = False
    for ticket_type in [*changes, *deactivate]:
        ticket_type._history_user = user  # type: ignore[attr-defined]
        ticket_type.save()
