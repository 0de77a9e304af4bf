"""The rules for each value of a file, and uniqueness within the file.

Validation is fast without being a second rule set: a vectorised *fast-accept*
check passes only values that are certainly valid and already clean (a strict
subset of what ``customers.validation`` accepts, proven by a property test); every
other value goes through the ``validation.clean_*`` function, which decides and
words the message, exactly as for the web form and the admin.

An import validates a chunk of rows at a time (``validate_chunk``); what needs
the whole file (unique IDs and emails, phones that lost their leading zero)
runs afterwards as SQL on the staging table (``staging``), with the messages and
the ``PhoneShapes`` counts defined here. ``validate_rows`` does all of it on one
table in memory. (pyarrow compute rather than pandas: see ``csv_reading``.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import ValidationError

from customer_flow.lib.folding import email_identity_column
from customer_flow.lib.formulas import restore_formula
from customer_flow.lib.row_errors import RowError
from customers import validation
from customers.importing.columns import COLUMNS, as_bools, as_ints
from customers.importing.csv_reading import CsvTable
from customers.importing.report import Progress, no_progress

CLEANERS: dict[str, Callable[[object], object]] = {
    "id": validation.clean_customer_id,
    "name": validation.clean_name,
    "email": validation.clean_email,
    "phone": validation.clean_phone,
}

# Fast-accept patterns (RE2 syntax, run by pyarrow). Each accepts only values that
# the matching clean_* function accepts unchanged: no surrounding spaces, no
# formula prefix to undo (except a phone's "'+", removed by fast_check), nothing
# rare. Anything else takes the scalar path. Lengths are checked apart: bounded
# repetitions of Unicode classes make RE2 ten times slower.
FAST_PATTERNS = {
    "id": r"^[1-9][0-9]{0,17}$",
    "name": r"^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N} .,'&()/-]*[\p{L}\p{M}\p{N}.)])?$",
    "email": (
        r"^[A-Za-z0-9_%][A-Za-z0-9_%+-]*(?:\.[A-Za-z0-9_%+-]+)*"
        r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
    ),
    # 7 to 15 digits, at most two separators between two digits.
    "phone": r"^(?:'?\+)?\(?[0-9](?:[ ()./-]{0,2}[0-9]){6,14}\)?$",
}
# Values the fast patterns would match but the shared rules refuse or change:
# mojibake (the very pattern of validation.check_not_garbled) and text not in
# Unicode's composed form (normalize turns it into NFC).


def clean_cell(key: str, raw: str) -> object:
    """The scalar path: undo the export's formula prefix, then the shared rules."""
    return CLEANERS[key](restore_formula(validation.normalize(raw)))


def fast_check(key: str, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Which values are certainly valid, and their cleaned form (meaningful only
    where accepted)."""
    accepted = pc.match_substring_regex(values, FAST_PATTERNS[key])
    cleaned = values
    if key == "id":
        cleaned = pc.cast(
            pc.if_else(accepted, values, pa.scalar(None, pa.string())), pa.int64()
        )
        accepted = pc.or_(accepted, pc.equal(values, ""))
    elif key == "name":
        short = pc.less_equal(pc.utf8_length(values), validation.NAME_MAX_LENGTH)
        garbled = pc.match_substring_regex(values, validation.GARBLED_PATTERN)
        accepted = pc.and_(pc.and_(accepted, short), pc.invert(garbled))
        accepted = pc.and_(accepted, _composed(values))
    elif key == "email":
        short = pc.less_equal(pc.utf8_length(values), validation.EMAIL_MAX_LENGTH)
        accepted = pc.and_(accepted, short)
    elif key == "phone":
        if pc.any(pc.starts_with(values, "'")).as_py():
            cleaned = pc.replace_substring_regex(values, r"^'", "")
        short = pc.less_equal(pc.utf8_length(cleaned), validation.PHONE_MAX_LENGTH)
        accepted = pc.and_(accepted, short)
        # A decimal suffix ("15551234567.0"): the exact pattern only when a
        # cheap search finds a candidate (".0" or ",0" in a value).
        if pc.any(
            pc.or_(pc.match_substring(cleaned, ".0"), pc.match_substring(cleaned, ",0"))
        ).as_py():
            decimal = pc.match_substring_regex(cleaned, validation.FLOAT_SUFFIX_PATTERN)
            accepted = pc.and_(accepted, pc.invert(decimal))
        accepted = pc.or_(accepted, pc.equal(values, ""))
    return as_bools(accepted), cleaned


def _composed(values: pa.Array) -> pa.Array:
    """Which values are in Unicode's composed form (NFC), as normalize makes
    them; only the non-ASCII ones are normalised to find out."""
    ascii_only = pc.string_is_ascii(values)
    other = np.flatnonzero(~as_bools(pc.fill_null(ascii_only, True)))
    if not len(other):
        return ascii_only
    picked = values.take(pa.array(other))
    same = as_bools(pc.equal(pc.utf8_normalize(picked, "NFC"), picked))
    composed = np.ones(len(values), bool)
    composed[other] = same
    return pa.array(composed)


@dataclass
class Validated:
    """The cleaned columns of every row; invalid rows hold nulls where refused."""

    lines: np.ndarray
    values: dict[str, pa.Array]
    email_lower: pa.Array
    invalid: np.ndarray
    errors: list[RowError]


@dataclass
class PhoneShapes:
    """What the lost-zero check needs to know of a file's phones, added up
    chunk by chunk (see ``refuse_lost_zeros``)."""

    national: int = 0  # phones written nationally: 0...
    present: int = 0  # phones given
    lengths: set[int] = field(default_factory=set)  # digits of the national ones

    def add(self, phones: pa.Array) -> pa.Array:
        """Count a chunk's phones; return each one's digits when it is only
        digits with no 0 or + in front (null otherwise)."""
        filled = pc.fill_null(phones, "")
        national = pc.starts_with(filled, "0")
        self.national += pc.sum(national).as_py() or 0
        self.present += pc.sum(pc.not_equal(filled, "")).as_py() or 0
        digits = pc.utf8_length(pc.replace_substring_regex(filled, "[^0-9]", ""))
        self.lengths |= set(pc.unique(pc.filter(digits, national)).to_pylist())
        bare = pc.match_substring_regex(filled, r"^[1-9][0-9]{5,13}$")
        return pc.if_else(bare, digits, pa.scalar(None, digits.type))

    @property
    def lost_zeros_detectable(self) -> bool:
        """Most phones of the file are written nationally."""
        return bool(self.national) and self.national * 2 >= self.present


def validate_rows(
    table: CsvTable, positions: dict[str, int], progress: Progress = no_progress
) -> Validated:
    """Clean every value of the known columns, and check IDs and emails are
    unique within the file (a whole file at once; an import checks a chunk at
    a time with ``validate_chunk`` and the rest on its staging table)."""
    validated = validate_chunk(table, positions, progress)
    if "phone" in validated.values:
        refuse_lost_zeros(
            validated.values["phone"],
            validated.lines,
            validated.invalid,
            validated.errors,
        )
    _refuse_duplicates(
        validated.values,
        validated.email_lower,
        validated.lines,
        validated.invalid,
        validated.errors,
    )
    return validated


def validate_chunk(
    table: CsvTable, positions: dict[str, int], progress: Progress = no_progress
) -> Validated:
    """Clean every value of the known columns of a chunk of rows."""
    count = table.num_rows
    invalid = np.zeros(count, bool)
    errors: list[RowError] = []
    values: dict[str, pa.Array] = {}
    for key in COLUMNS:
        if key not in positions:
            continue
        raw = table.columns.column(positions[key])
        values[key] = _clean_column(key, raw, table.lines, invalid, errors)
        progress("validating", count * len(values) // len(positions), count)
    for row, column in table.stray_quotes.items():
        invalid[row] = True
        errors.append(
            RowError(
                int(table.lines[row]),
                _column_label(table.header, column, positions),
                None,
                "Text after a closing quote: a quote inside a quoted value must be "
                'doubled ("").',
            )
        )
    return Validated(
        table.lines, values, lower_emails(values["email"]), invalid, errors
    )


def staged_rows(validated: Validated, phones: PhoneShapes) -> pa.Table:
    """The cleaned rows as the staging table takes them (``staging.FILE_COLUMNS``),
    their phones counted into ``phones``."""
    count = len(validated.lines)
    values = validated.values
    missing = pa.nulls(count, pa.string())
    bare = phones.add(values["phone"]) if "phone" in values else missing
    return pa.table(
        {
            "line": pa.array(validated.lines, pa.int64()),
            "id": values["id"],
            "name": values["name"],
            "email": values["email"],
            "phone": values.get("phone", missing),
            "email_key": validated.email_lower,
            "bad": pa.array(validated.invalid.astype(np.int64)),
            "bare_digits": pc.cast(bare, pa.int64()),
        }
    )


def _clean_column(
    key: str,
    raw: pa.ChunkedArray,
    lines: np.ndarray,
    invalid: np.ndarray,
    errors: list[RowError],
) -> pa.Array:
    """One column's values, cleaned: the fast path, then the shared rules for
    the values it does not accept. Refused values are null, their rows marked
    ``invalid`` and the reasons added to ``errors``."""
    accepted, cleaned = fast_check(key, raw)
    slow = np.flatnonzero(~accepted)
    if not len(slow):
        return cleaned
    replacements = []
    for index, value in zip(slow.tolist(), raw.take(slow).to_pylist(), strict=True):
        try:
            replacements.append(clean_cell(key, value))
        except ValidationError as error:
            replacements.append(None)
            invalid[index] = True
            errors.append(
                RowError(
                    int(lines[index]), COLUMNS[key], value, " ".join(error.messages)
                )
            )
    return pc.replace_with_mask(
        cleaned, pa.array(~accepted), pa.array(replacements, cleaned.type)
    )


LOST_ZERO = (
    "Looks like a spreadsheet dropped this phone number's leading zero (other "
    "phones in this file start with 0); format the column as text and export "
    "again, or write the number with its 0 or its +country code."
)


def refuse_lost_zeros(
    phones: pa.Array, lines: np.ndarray, invalid: np.ndarray, errors: list[RowError]
) -> None:
    """Phones a spreadsheet stored as numbers, detectable when most phones of the
    file are written nationally (``0…``): digits only, no 0 or +, one digit
    shorter than those."""
    filled = pc.fill_null(phones, "")
    national = as_bools(pc.starts_with(filled, "0"))
    present = as_bools(pc.not_equal(filled, ""))
    if not national.any() or national.sum() * 2 < present.sum():
        return
    digits = pc.utf8_length(pc.replace_substring_regex(filled, "[^0-9]", ""))
    national_lengths = pc.unique(pc.filter(digits, pa.array(national)))
    bare = pc.match_substring_regex(filled, r"^[1-9][0-9]{5,13}$")
    shorter = pc.is_in(pc.add(digits, 1), value_set=national_lengths)
    for row in np.flatnonzero(as_bools(pc.and_(bare, shorter))).tolist():
        invalid[row] = True
        errors.append(
            RowError(int(lines[row]), COLUMNS["phone"], phones[row].as_py(), LOST_ZERO)
        )


def _refuse_duplicates(
    values: dict[str, pa.Array],
    email_lower: pa.Array,
    lines: np.ndarray,
    invalid: np.ndarray,
    errors: list[RowError],
) -> None:
    """Every row whose ID, or email ignoring case, is also on another row."""
    for key, keys, describe in [
        ("id", values["id"], "The ID {} is also on {}."),
        (
            "email",
            email_lower,
            "The email {} is also on {} (emails must be unique ignoring case).",
        ),
    ]:
        for value, rows in duplicates(keys).items():
            for row in rows:
                shown = values["email"][row].as_py() if key == "email" else value
                others = [int(lines[other]) for other in rows if other != row]
                invalid[row] = True
                errors.append(
                    RowError(
                        int(lines[row]),
                        COLUMNS[key],
                        None,
                        describe.format(shown, describe_lines(others)),
                    )
                )


def _column_label(header: list[str], column: int, positions: dict[str, int]) -> str:
    for key, position in positions.items():
        if position == column:
            return COLUMNS[key]
    return header[column].strip() or str(column + 1)


def lower_emails(emails: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The emails' identities, for telling whether two rows or a row and a
    customer have the same address: case folded, NFC, IDNA domain (the rule of
    the database's unique key, ``customer_flow.lib.folding.email_identity``)."""
    return email_identity_column(emails)


def duplicates(keys: pa.Array | pa.ChunkedArray) -> dict[object, list[int]]:
    """Each value found on more than one row, with those rows in file order."""
    if _all_distinct(keys):
        return {}
    first = pc.index_in(keys, value_set=keys)  # where each value first appears
    later = pc.and_(
        pc.is_valid(keys),
        pc.not_equal(first, pa.array(np.arange(len(keys), dtype=np.int32))),
    )
    if not pc.any(later).as_py():
        return {}
    repeated = pc.unique(keys.filter(later))
    rows = np.flatnonzero(
        as_bools(pc.fill_null(pc.is_in(keys, value_set=repeated), False))
    )
    groups: dict[object, list[int]] = defaultdict(list)
    for row, value in zip(rows.tolist(), keys.take(rows).to_pylist(), strict=True):
        groups[value].append(row)
    return groups


def _all_distinct(keys: pa.Array | pa.ChunkedArray) -> bool:
    """The usual case, checked cheaply: IDs in increasing order, or one pass of
    sorting or hashing."""
    if pa.types.is_integer(keys.type):
        values = as_ints(keys)
        values = values[values > 0]
        if (values[1:] > values[:-1]).all():
            return True
        values.sort()
        return not (values[1:] == values[:-1]).any()
    return len(pc.unique(keys.drop_null())) == len(keys) - keys.null_count


def describe_lines(lines: list[int]) -> str:
    """``line 4`` or ``lines 4, 9, 12`` (the first five and how many more)."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    shown = ", ".join(str(line) for line in lines[:5])
    more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    return f"lines {shown}{more}"
