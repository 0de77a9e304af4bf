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
from json.decoder import scanstring
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat

from customer_flow.lib.decoding import decode
from customer_flow.lib.row_errors import FileRefused, RowError
from customer_flow.lib.users import Actor, recorded_user
from customers import validation
from tickets.models import TicketType, validate_type_code

NAME_MAX_LENGTH = TicketType._meta.get_field("name").max_length
NAME_TAKEN = "A ticket type with this name already exists (code %(code)s)."


@dataclass
class TicketTypeReport:
    """What a ticket-type import found and did (or would do)."""

    dry_run: bool = False
    deactivate_missing: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    deactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        counts = (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )
        if self.deactivate_missing:
            counts += f", {self.deactivated} deactivated"
        if self.refused:
            return f"refused, nothing written (would be {counts})"
        return f"would be {counts}" if self.dry_run else counts


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
            entries.append(Entry(key, value, line, column))
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
    user: Actor = None,
) -> TicketTypeReport:
    """Import a ticket_types.json file and report what happened."""
    data = file if isinstance(file, bytes) else file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = TicketTypeReport(dry_run=dry_run, deactivate_missing=deactivate_missing)
    try:
        text = bytes(decode(data)).decode("utf-8")
        entries = parse_ticket_types(text)
    except FileRefused as refused:
        report.errors.append(refused.error)
        return report

    cleaned: dict[str, tuple[str, Entry]] = {}
    invalid_lines: set[int] = set()
    seen_names: dict[str, Entry] = {}

    def refuse(entry: Entry, message: str, value: str | None = None) -> None:
        report.errors.append(RowError(entry.line, str(entry.column), value, message))
        invalid_lines.add(entry.line)

    for entry in entries:
        try:
            validate_type_code(entry.code)
        except ValidationError as error:
            refuse(entry, " ".join(error.messages), entry.code)
            continue
        if entry.code in cleaned:
            first = cleaned[entry.code][1]
            refuse(entry, f'The key "{entry.code}" is also on line {first.line}.')
            refuse(first, f'The key "{entry.code}" is also on line {entry.line}.')
            continue
        try:
            name = clean_name(entry.name)
        except ValidationError as error:
            shown = entry.name if isinstance(entry.name, str) else None
            refuse(entry, " ".join(error.messages), shown)
            continue
        other = seen_names.get(name.lower())
        if other is not None:
            refuse(entry, f'The name "{name}" is also on line {other.line}.')
            refuse(other, f'The name "{name}" is also on line {entry.line}.')
            continue
        seen_names[name.lower()] = entry
        cleaned[entry.code] = (name, entry)

    existing = {t.code: t for t in TicketType.objects.all()}
    renamed = {
        code
        for code, (name, _) in cleaned.items()
        if code in existing and existing[code].name != name
    }
    for code, (name, entry) in cleaned.items():
        if entry.line in invalid_lines:
            continue
        holder = next(
            (
                t
                for t in existing.values()
                if t.name.lower() == name.lower() and t.code != code
            ),
            None,
        )
        # A name may move to another key only if its holder is renamed too.
        if holder is not None and (
            holder.code not in renamed
            or cleaned[holder.code][0].lower() == holder.name.lower()
        ):
            refuse(entry, NAME_TAKEN % {"code": holder.code}, name)

    report.errors.sort(key=lambda error: (error.line or 0, int(error.column or 0)))
    report.invalid = len(invalid_lines)
    changes = []
    for code, (name, entry) in cleaned.items():
        if entry.line in invalid_lines:
            continue
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
    missing = [t for code, t in existing.items() if code not in cleaned and t.active]
    if deactivate_missing:
        report.deactivated = len(missing)
    if report.refused or dry_run:
        return report

    with transaction.atomic():
        # Park renamed types' names first, so two types can swap names (a control
        # character: no valid name can clash with the parked one).
        TicketType.objects.filter(code__in=renamed).update(
            name=Concat(Value("\x01renaming "), "code")
        )
        for ticket_type in changes:
            ticket_type._history_user = recorded_user(user)
            ticket_type.save()
        if deactivate_missing:
            for ticket_type in missing:
                ticket_type.active = False
                ticket_type._history_user = recorded_user(user)
                ticket_type.save()
    report.written = True
    return report
