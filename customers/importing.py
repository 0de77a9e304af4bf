"""Import customers from an id.csv file: read, validate, compare, write.

``import_customers`` is what the command, the admin and the web pages call. Its
steps are separate functions, each testable on its own and reusable (a preview can
keep the plan of a dry run and write it later):

    read_csv (customers.reading) -> map_header -> validate_rows -> plan_changes
    -> write_plan

Validation is fast without being a second rule set: a vectorised *fast-accept*
check passes only values that are certainly valid and already clean (a strict
subset of what ``customers.validation`` accepts, proven by a property test); every
other value goes through the ``validation.clean_*`` function, which decides and
words the message, exactly as for the web form and the admin.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from customer_flow.sequences import reset_id_sequences
from customer_flow.sqlite_scans import unmapped
from customers import validation
from customers.batch_rows import number_new_rows, save_rows
from customers.exporting import restore_formula
from customers.models import Customer, ImportBatch
from customers.reading import CsvTable, FileRefused, RowError, read_csv

__all__ = [
    "MATCHING_RULE",
    "ImportReport",
    "RowError",
    "import_customers",
    "write_rejected_rows",
]

MATCHING_RULE = (
    "Rows are matched to customers by ID: a new ID creates that customer, a known "
    "ID updates it, and an identical row leaves it unchanged. A row with an empty "
    "ID creates a customer with the next free ID, unless its email (ignoring case) "
    "already belongs to a customer, which it then updates."
)

COLUMNS = {"id": "ID", "name": "Name", "email": "Email", "phone": "Phone"}
REQUIRED_COLUMNS = ("id", "name", "email")
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
# Letters that validation.check_not_garbled refuses after Ã or Â (mojibake).
_GARBLED_LETTERS = r"[ÃÂ][ªµº]"

_CHUNK = 50_000
_STAGE = "customer_import_stage"

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    pass


# The report ------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found and did (or, for a dry run, would do)."""

    file_name: str = ""
    file_size: int = 0
    sha256: str = ""
    dry_run: bool = False
    skip_invalid: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    """an applied batch of the very same file (by SHA-256), if any"""
    refused_duplicate: bool = False
    """refused because it would write that file again (see ``force``)"""
    fatal: bool = False
    """the file as a whole was refused (unreadable, header, concurrent change)"""
    written: bool = False
    batch_id: int | None = None
    write_seconds: float | None = None
    """how long the write transaction lasted (on SQLite: held the write lock)"""
    header: list[str] = field(default_factory=list)
    rejected: list[tuple[int, list[str], str]] = field(default_factory=list, repr=False)
    """(line, original values, reasons) of each invalid row, for --report"""
    plan: Plan | None = field(default=None, repr=False)

    @property
    def refused(self) -> bool:
        """Nothing is written because of errors."""
        return self.fatal or (bool(self.errors) and not self.skip_invalid)

    @property
    def counts(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )

    def summary(self) -> str:
        """One line: ``N created, N updated, N unchanged, N invalid``."""
        if self.fatal:
            return "refused, nothing written: the file could not be imported"
        if self.refused:
            return f"refused, nothing written (would be {self.counts})"
        if self.dry_run:
            return f"would be {self.counts}"
        return self.counts


def write_rejected_rows(report: ImportReport, file: IO[str]) -> int:
    """Write the invalid rows as CSV (their columns plus ``line`` and ``error``)."""
    import csv

    from customers.exporting import neutralise_formula

    writer = csv.writer(file, lineterminator="\n")
    # The header too: an unknown column's name is the file's text.
    writer.writerow([*map(neutralise_formula, report.header), "line", "error"])
    for line, values, reasons in report.rejected:
        cells = [neutralise_formula(value) for value in values]
        cells += [""] * (len(report.header) - len(cells))
        writer.writerow([*cells, line, neutralise_formula(reasons)])
    return len(report.rejected)


# Header ------------------------------------------------------------------------


def map_header(
    header: list[str], line: int
) -> tuple[dict[str, int], list[str], list[RowError]]:
    """Find the known columns (ignoring case, spaces and a BOM) by position."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    errors: list[RowError] = []
    names = {name.lower(): key for key, name in COLUMNS.items()}
    for index, cell in enumerate(header):
        key = names.get(validation.normalize(cell).lower())
        if key is None:
            unknown.append(cell.strip() or f"(unnamed column {index + 1})")
        elif key in positions:
            errors.append(
                RowError(
                    line,
                    None,
                    None,
                    f"The {COLUMNS[key]} column appears twice (columns "
                    f"{positions[key] + 1} and {index + 1}).",
                )
            )
        else:
            positions[key] = index
    missing = [COLUMNS[key] for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        found = ", ".join(cell.strip() for cell in header) or "none"
        errors.append(
            RowError(
                line,
                None,
                None,
                f"Missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (found: {found}). The header must name ID, "
                "Name and Email; Phone is optional.",
            )
        )
    return positions, unknown, errors


# Validation --------------------------------------------------------------------


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
        garbled = pc.match_substring_regex(values, _GARBLED_LETTERS)
        accepted = pc.and_(pc.and_(accepted, short), pc.invert(garbled))
    elif key == "email":
        short = pc.less_equal(pc.utf8_length(values), validation.EMAIL_MAX_LENGTH)
        accepted = pc.and_(accepted, short)
    elif key == "phone":
        if pc.any(pc.starts_with(values, "'")).as_py():
            cleaned = pc.replace_substring_regex(values, r"^'", "")
        short = pc.less_equal(pc.utf8_length(cleaned), validation.PHONE_MAX_LENGTH)
        accepted = pc.or_(pc.and_(accepted, short), pc.equal(values, ""))
    return _np(accepted), cleaned


@dataclass
class Validated:
    """The cleaned columns of every row; invalid rows hold nulls where refused."""

    lines: np.ndarray
    values: dict[str, pa.Array]
    email_lower: pa.Array
    invalid: np.ndarray
    errors: list[RowError]


def validate_rows(
    table: CsvTable, positions: dict[str, int], progress: Progress = _no_progress
) -> Validated:
    """Clean every value of the known columns, and check IDs and emails are
    unique within the file."""
    count = table.num_rows
    invalid = np.zeros(count, bool)
    errors: list[RowError] = []
    values: dict[str, pa.Array] = {}
    for key in COLUMNS:
        if key not in positions:
            continue
        raw = table.columns.column(positions[key])
        accepted, cleaned = fast_check(key, raw)
        slow = np.flatnonzero(~accepted)
        if len(slow):
            replacements = []
            for index, value in zip(
                slow.tolist(), raw.take(slow).to_pylist(), strict=True
            ):
                try:
                    replacements.append(clean_cell(key, value))
                except ValidationError as error:
                    replacements.append(None)
                    invalid[index] = True
                    errors.append(
                        RowError(
                            int(table.lines[index]),
                            COLUMNS[key],
                            value,
                            " ".join(error.messages),
                        )
                    )
            cleaned = pc.replace_with_mask(
                cleaned, pa.array(~accepted), pa.array(replacements, cleaned.type)
            )
        values[key] = cleaned
        progress("validating", count * len(values) // len(positions), count)

    header = table.header
    for row, column in table.stray_quotes.items():
        invalid[row] = True
        errors.append(
            RowError(
                int(table.lines[row]),
                _column_label(header, column, positions),
                None,
                "Text after a closing quote: a quote inside a quoted value must be "
                'doubled ("").',
            )
        )

    email_lower = _lower(values["email"])
    for key, keys, describe in [
        ("id", values["id"], "The ID {} is also on {}."),
        (
            "email",
            email_lower,
            "The email {} is also on {} (emails must be unique ignoring case).",
        ),
    ]:
        for value, rows in _duplicates(keys).items():
            for row in rows:
                shown = values["email"][row].as_py() if key == "email" else value
                others = [int(table.lines[other]) for other in rows if other != row]
                invalid[row] = True
                errors.append(
                    RowError(
                        int(table.lines[row]),
                        COLUMNS[key],
                        None,
                        describe.format(shown, _lines(others)),
                    )
                )
    return Validated(table.lines, values, email_lower, invalid, errors)


def _column_label(header: list[str], column: int, positions: dict[str, int]) -> str:
    for key, position in positions.items():
        if position == column:
            return COLUMNS[key]
    return header[column].strip() or str(column + 1)


def _lower(emails: pa.Array) -> pa.Array:
    # Python's str.lower() is the reference (SQLite's LOWER() folds ASCII only);
    # pyarrow's ASCII lowering gives the same result for ASCII text, fast.
    lowered = pc.ascii_lower(emails)
    other = np.flatnonzero(
        ~np.asarray(
            pc.fill_null(pc.string_is_ascii(emails), True).to_numpy(
                zero_copy_only=False
            ),
            bool,
        )
    )
    if len(other):
        mask = np.zeros(len(emails), bool)
        mask[other] = True
        lowered = pc.replace_with_mask(
            lowered,
            pa.array(mask),
            pa.array([value.lower() for value in emails.take(other).to_pylist()]),
        )
    return lowered


def _duplicates(keys: pa.Array | pa.ChunkedArray) -> dict[object, list[int]]:
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
    rows = np.flatnonzero(_np(pc.fill_null(pc.is_in(keys, value_set=repeated), False)))
    groups: dict[object, list[int]] = defaultdict(list)
    for row, value in zip(rows.tolist(), keys.take(rows).to_pylist(), strict=True):
        groups[value].append(row)
    return groups


def _all_distinct(keys: pa.Array | pa.ChunkedArray) -> bool:
    """The usual case, checked cheaply: IDs in increasing order, or one pass of
    sorting or hashing."""
    if pa.types.is_integer(keys.type):
        values = _np_int(keys)
        values = values[values > 0]
        if (values[1:] > values[:-1]).all():
            return True
        values.sort()
        return not (values[1:] == values[:-1]).any()
    return len(pc.unique(keys.drop_null())) == len(keys) - keys.null_count


def _lines(lines: list[int]) -> str:
    if len(lines) == 1:
        return f"line {lines[0]}"
    shown = ", ".join(str(line) for line in lines[:5])
    more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    return f"lines {shown}{more}"


# Comparing with the database ---------------------------------------------------


_SNAPSHOT_TYPES = {
    "id": pa.int64(),
    "flags": pa.int64(),  # version * 2 + archived
    "name": pa.string(),
    "email": pa.string(),
    "phone": pa.string(),
}


def load_snapshot() -> pa.Table:
    """Every customer's ID, values and version in ID order, in compact columns.

    The database writes the rows as CSV text (PostgreSQL with COPY, SQLite with
    group_concat, a chunk at a time) and pyarrow parses it: no Python object per
    row, so a million customers load in about a second.
    """
    chunks = _snapshot_csv()
    first = next(chunks, b"")
    if first:
        reader = pacsv.open_csv(
            io.BufferedReader(_IteratorReader(itertools.chain([first], chunks))),
            read_options=pacsv.ReadOptions(column_names=list(_SNAPSHOT_TYPES)),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=_SNAPSHOT_TYPES,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        snapshot = reader.read_all()
    else:
        snapshot = pa.table(
            {name: pa.array([], kind) for name, kind in _SNAPSHOT_TYPES.items()}
        )
    ids = snapshot.column("id").to_numpy()
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        snapshot = snapshot.sort_by("id")
    # Contiguous columns (taking rows from many chunks is five times slower),
    # one column at a time so that only one is ever held twice.
    columns = {}
    for name in ("id", "name", "email", "phone"):
        columns[name] = snapshot.column(name).combine_chunks()
        snapshot = snapshot.drop_columns([name])
    flags = snapshot.column("flags").combine_chunks()
    columns["version"] = pc.shift_right(flags, 1)
    columns["archived"] = pc.equal(pc.bit_wise_and(flags, 1), 1)
    return pa.table(columns)


def _snapshot_csv() -> Iterator[bytes]:
    table = connection.ops.quote_name(Customer._meta.db_table)
    flags = "version * 2 + CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END"
    if connection.vendor == "postgresql":
        query = f"SELECT id, {flags}, name, email, phone FROM {table} ORDER BY id"
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    yield bytes(block)
        return

    def quoted(column: str) -> str:
        return f"""'"' || replace({column}, '"', '""') || '"'"""

    line = " || ',' || ".join(
        ["id", f"({flags})", quoted("name"), quoted("email"), quoted("phone")]
    )
    sql = (
        "SELECT group_concat(line, char(10)), max(id), count(*) FROM "
        f"(SELECT id, {line} AS line FROM {table} WHERE id > %s ORDER BY id LIMIT %s)"
    )
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last, 2 * _CHUNK])
            text, last, count = cursor.fetchone()
            if not count:
                return
            yield text.encode() + b"\n"


class _IteratorReader(io.RawIOBase):
    """A readable stream over an iterator of bytes chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = memoryview(chunk)
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


@dataclass
class Plan:
    """What an import writes: one row per customer to create or update, in ID
    order, with the values it had before (for a preview or an undo)."""

    rows: pa.Table
    """kind ("+" create, "~" update), id (null: the next free ID, in row order
    after every row with an ID), name, email, phone, version (expected, for
    updates; null for creates), line, old_name, old_email, old_phone"""
    park: list[int]
    """customers whose current email another row of the file takes over"""
    max_file_id: int
    unchanged: pa.Table | None = None
    """id and line of each row identical to its customer (kept with a batch)"""

    @property
    def created(self) -> int:
        return self.rows.num_rows - self.updated

    @property
    def updated(self) -> int:
        return int(pc.sum(pc.equal(self.rows.column("kind"), "~")).as_py() or 0)


def plan_changes(
    validated: Validated, snapshot: pa.Table, *, has_phone: bool
) -> tuple[Plan, int, list[RowError], list[str]]:
    """Match the valid rows to customers and work out what changes.

    Returns the plan, the number of unchanged rows, the errors found against the
    database (email taken, a customer matched twice) and warnings.
    """
    values = validated.values
    valid = ~validated.invalid
    lines = validated.lines
    count = len(valid)
    lower = validated.email_lower
    ids_np = _np_int(values["id"])
    explicit = ids_np > 0
    db_ids = snapshot.column("id").to_numpy()  # ascending, see load_snapshot

    # By ID: a binary search over the sorted IDs, no hash table.
    found = np.zeros(count, bool)
    position_np = np.full(count, -1)
    if len(db_ids):
        at = np.minimum(np.searchsorted(db_ids, ids_np), len(db_ids) - 1)
        found = explicit & (db_ids[at] == ids_np)
        position_np = np.where(found, at, -1)
    emails = snapshot.column("email")
    same_email = _same(values["email"], emails, position_np)

    # By email, only where it can matter: rows without ID, new rows and rows
    # changing their customer's email. A row keeping its email owns it.
    owner_np = np.where(same_email, ids_np, 0)
    look = np.flatnonzero(valid & ~same_email)
    if len(look) and len(db_ids):
        db_lower = _lower(snapshot.column("email"))
        hits = pc.index_in(lower.take(pa.array(look)), value_set=db_lower)
        hits_np = np.asarray(pc.fill_null(hits, -1).to_numpy(zero_copy_only=False))
        owner_np[look] = np.where(hits_np >= 0, db_ids[np.maximum(hits_np, 0)], 0)
        position_np = np.where(explicit, position_np, -1)
        position_np[look] = np.where(explicit[look], position_np[look], hits_np)
    else:
        position_np = np.where(explicit, position_np, -1)
    existing = position_np >= 0
    resolved_np = np.where(explicit, ids_np, owner_np)  # 0: a new customer
    resolved = pa.array(resolved_np, pa.int64(), mask=resolved_np <= 0)
    errors: list[RowError] = []

    # A row without ID matched by email to a customer another row names by ID.
    by_email_only = valid & existing & ~explicit
    matched = (
        _masked(resolved, valid) if by_email_only.any() else pa.array([], pa.int64())
    )
    for customer, rows in _duplicates(matched).items():
        if explicit[rows].all():
            continue  # the same ID twice: already reported
        for row in rows:
            others = _lines([int(lines[other]) for other in rows if other != row])
            how = "by its ID" if explicit[row] else "by its email"
            errors.append(
                RowError(
                    int(lines[row]),
                    "Email" if not explicit[row] else "ID",
                    None,
                    f"This row matches customer {customer} {how}, and so does "
                    f"{others}.",
                )
            )
            valid[row] = False

    # An email may move to another customer only if its owner changes theirs in
    # the same file; rows refused meanwhile don't release theirs.
    changing = np.flatnonzero(found & ~same_email)
    old_lower = _lower(pc.take(emails, _positions(position_np[changing])))
    moved = _np(pc.not_equal(old_lower, lower.take(pa.array(changing))))
    moves = np.zeros(count, bool)
    moves[changing[moved]] = True
    old_lowers = dict(
        zip(changing[moved].tolist(), old_lower.filter(moved).to_pylist(), strict=True)
    )
    while True:
        released = np.unique(resolved_np[valid & moves])
        taken = (
            valid
            & (owner_np > 0)
            & (owner_np != resolved_np)
            & ~np.isin(owner_np, released)
        )
        if not taken.any():
            break
        for row in np.flatnonzero(taken).tolist():
            errors.append(
                RowError(
                    int(lines[row]),
                    "Email",
                    values["email"][row].as_py(),
                    validation.EMAIL_TAKEN % {"id": int(owner_np[row])},
                )
            )
        valid &= ~taken

    same = np.zeros(count, bool)
    if existing.any():
        same = _same(values["name"], snapshot.column("name"), position_np)
        same &= _same(values["email"], emails, position_np)
        if has_phone:
            same &= _same(values["phone"], snapshot.column("phone"), position_np)
    unchanged = valid & existing & same
    update = valid & existing & ~same
    create = valid & ~existing

    # Customers whose current email another row of the file takes over.
    park = []
    if (update & moves).any():
        new_lowers = set(lower.filter(pa.array(update | create)).to_pylist())
        park = sorted(
            int(resolved_np[row])
            for row in np.flatnonzero(update & moves).tolist()
            if old_lowers[row] in new_lowers
        )

    archived = pc.take(snapshot.column("archived"), _positions(position_np))
    archived_updates = update & _np(pc.fill_null(archived, False))
    warnings = []
    if archived_updates.any():
        ids = sorted(resolved_np[archived_updates].tolist())
        shown = ", ".join(str(i) for i in ids[:5]) + (" …" if len(ids) > 5 else "")
        warnings.append(
            f"{len(ids)} row{'s' if len(ids) > 1 else ''} update archived customers "
            f"({shown}); they stay archived."
        )

    plan = _build_plan(
        create, update, resolved, values, has_phone, snapshot, position_np, lines
    )
    plan.park = park
    same_rows = np.flatnonzero(unchanged)
    plan.unchanged = pa.table(
        {
            "id": pa.array(resolved_np[same_rows], pa.int64()),
            "line": pa.array(lines[same_rows], pa.int64()),
        }
    )
    return plan, int(unchanged.sum()), errors, warnings


def _build_plan(
    create, update, resolved, values, has_phone, snapshot, position_np, lines
) -> Plan:
    rows = create | update
    ids = _np_int(resolved)
    kind = np.where(update, "~", "+")
    # ID order, rows without ID last in file order: the customers table is then
    # appended to in key order, and new IDs follow the highest one.
    order = np.flatnonzero(rows)
    order = order[np.lexsort((order, ids[order], ids[order] <= 0))]
    no_id = ids[order] <= 0
    if len(order) == len(ids) and (order[1:] > order[:-1]).all():

        def take(column):  # every row, in file order: no copy
            return column

    else:
        indices = pa.array(order, pa.int64())

        def take(column):
            return column.take(indices)

    # The customers' current values, for the rows that change them only.
    positions = _positions(position_np[order])
    old = {
        key: pc.take(snapshot.column(key), positions)
        for key in ("name", "email", "phone", "version")
    }
    phone = take(values["phone"]) if has_phone else pc.fill_null(old["phone"], "")
    table = pa.table(
        {
            "kind": pa.array(kind[order]),
            "id": pa.array(ids[order], pa.int64(), mask=no_id),
            "name": take(values["name"]),
            "email": take(values["email"]),
            "phone": phone,
            "version": old["version"],
            "line": pa.array(lines[order], pa.int64()),
            "old_name": old["name"],
            "old_email": old["email"],
            "old_phone": old["phone"],
        }
    )
    max_file_id = int(ids.max()) if len(ids) else 0
    return Plan(table, [], max(max_file_id, 0))


def _same(
    values: pa.ChunkedArray, current: pa.Array, position_np: np.ndarray
) -> np.ndarray:
    """Which rows hold exactly their customer's current value (a slice at a time,
    so no full-length copy of the current values is made)."""
    same = np.zeros(len(position_np), bool)
    for start in range(0, len(position_np), _CHUNK):
        positions = _positions(position_np[start : start + _CHUNK])
        equal = pc.equal(values.slice(start, _CHUNK), pc.take(current, positions))
        same[start : start + _CHUNK] = _np(pc.fill_null(equal, False))
    return same


def _positions(positions: np.ndarray) -> pa.Array:
    """Row positions for ``take``, null where negative (no such row)."""
    return pa.array(positions, pa.int64(), mask=positions < 0)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), bool)


def _np_int(array: pa.Array) -> np.ndarray:
    """Integers with nulls as 0 (IDs are 1 or more)."""
    return np.asarray(pc.fill_null(array, 0).to_numpy(zero_copy_only=False), np.int64)


def _masked(array: pa.Array, keep: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(keep), array, pa.scalar(None, array.type))


# Writing -----------------------------------------------------------------------


class ConcurrentChange(Exception):
    """The customers changed between reading them and writing the import."""


def write_plan(
    plan: Plan,
    *,
    batch: ImportBatch,
    progress: Progress = _no_progress,
) -> float:
    """Write the plan in one transaction, with a history row per customer, and
    return how long the transaction took.

    The rows are first copied into a temporary table outside the transaction;
    the transaction then only runs set-based SQL, so on SQLite the write lock is
    held for as short a time as the database needs. A process killed at any
    point leaves the customers as they were.
    """
    vendor = connection.vendor
    with connection.cursor() as cursor:
        _create_stage(cursor, vendor)
        try:
            _fill_stage(cursor, vendor, plan.rows, progress)
            started = time.perf_counter()
            with transaction.atomic():
                batch.save()
                _apply_stage(cursor, plan, batch)
                reset_id_sequences(Customer)
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")


def _create_stage(cursor, vendor: str) -> None:
    integer = "INTEGER" if vendor == "sqlite" else "BIGINT"
    cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_STAGE} (pos {integer} PRIMARY KEY, "
        f"id {integer}, name TEXT NOT NULL, "
        f"email TEXT NOT NULL, phone TEXT NOT NULL, version {integer})"
    )


# A row with a version updates that customer; one without creates one.
_STAGE_COLUMNS = ["id", "name", "email", "phone", "version"]


def _fill_stage(cursor, vendor: str, rows: pa.Table, progress: Progress) -> None:
    total = rows.num_rows
    staged = rows.select(_STAGE_COLUMNS)
    if vendor == "postgresql":
        positions = pa.array(np.arange(1, total + 1), pa.int64())
        staged = staged.add_column(0, "pos", positions)
        columns = ", ".join(staged.column_names)
        # pyarrow writes the CSV and PostgreSQL parses it: no Python per row.
        # Empty strings are quoted, NULLs are not, as COPY expects.
        options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for done, batch in _batches(staged):
                sink = pa.BufferOutputStream()
                pacsv.write_csv(batch, sink, write_options=options)
                copy.write(sink.getvalue().to_pybytes())
                progress("staging", done, total)
        cursor.execute(f"ANALYZE {_STAGE}")  # temporary tables get no autovacuum
        return
    # SQLite: the DB-API connection's own executemany, without Django's per-query
    # wrapping. The temporary table lives in its own database: filling it in a
    # plain (deferred) transaction takes no lock on the customers' database.
    # pos is SQLite's rowid, numbered 1, 2, ... in insertion order.
    raw = connection.connection
    columns = ", ".join(_STAGE_COLUMNS)
    sql = f"INSERT INTO {_STAGE} ({columns}) VALUES ({', '.join('?' * 5)})"
    own_transaction = not connection.in_atomic_block
    if own_transaction:
        cursor.execute("BEGIN")
    try:
        for done, batch in _batches(staged):
            columns = [column.to_pylist() for column in batch.columns]
            raw.executemany(sql, zip(*columns, strict=True))
            progress("staging", done, total)
    except BaseException:
        if own_transaction:
            cursor.execute("ROLLBACK")
        raise
    if own_transaction:
        cursor.execute("COMMIT")


def _batches(table: pa.Table) -> Iterator[tuple[int, pa.RecordBatch]]:
    done = 0
    for batch in table.to_batches(_CHUNK):
        done += batch.num_rows
        yield done, batch


def _apply_stage(cursor, plan: Plan, batch: ImportBatch) -> None:
    customers = connection.ops.quote_name(Customer._meta.db_table)
    history = connection.ops.quote_name(Customer.history.model._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {customers}")
    base = max(cursor.fetchone()[0], plan.max_file_id)
    # Rows without ID come last: number them on from the highest ID.
    without_id = plan.rows.column("id").null_count
    if without_id:
        with_id = plan.rows.num_rows - without_id
        cursor.execute(
            f"UPDATE {_STAGE} SET id = %s + pos - %s WHERE id IS NULL",
            [base, with_id],
        )
        if batch.pk is not None:  # its stored rows learn their customers' IDs
            number_new_rows(
                cursor, batch_id=batch.pk, first_id=base + 1, with_id=with_id
            )

    # Free emails that another row of the file takes over (a swap, a rotation).
    for start in range(0, len(plan.park), 500):
        ids = plan.park[start : start + 500]
        cursor.execute(
            f"UPDATE {customers} SET email = %s || CAST(id AS TEXT) "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ["!parked-by-import-", *ids],
        )

    updates = plan.updated
    if updates:
        cursor.execute(
            f"UPDATE {customers} AS c SET name = s.name, email = s.email, "
            "phone = s.phone, updated_at = %s, version = c.version + 1 "
            f"FROM {_STAGE} AS s WHERE s.version IS NOT NULL AND c.id = s.id "
            "AND c.version = s.version",
            [now],
        )
        if cursor.rowcount != updates:
            raise ConcurrentChange
    # A new customer's values: from the file, the import's time, or the field's
    # default (so a field added to Customer later needs no change here).
    new_values = {"id": "id", "name": "name", "email": "email", "phone": "phone"}
    new_values |= {"created_at": "%s", "updated_at": "%s", "archived_at": "NULL"}
    new_values |= {"version": "1"}
    columns, expressions, params = [], [], []
    for model_field in Customer._meta.concrete_fields:
        columns.append(connection.ops.quote_name(model_field.column))
        expression = new_values.get(model_field.attname)
        if expression == "%s":
            params.append(now)
        elif expression is None:
            default = model_field.get_default()
            expression = "%s"
            params.append(model_field.get_db_prep_save(default, connection))
        expressions.append(expression)
    cursor.execute(
        f"INSERT INTO {customers} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {_STAGE} WHERE version IS NULL "
        "ORDER BY pos",
        params,
    )

    # History rows: a new customer's row is what was just inserted (no need to
    # read it back); an updated customer's is read from the table.
    tracked = [
        index
        for index, model_field in enumerate(Customer._meta.concrete_fields)
        if model_field.name != "version"
    ]
    reason = f"Import #{batch.pk}: {batch.file_name}"[:100]
    into = (
        f"INSERT INTO {history} ({', '.join(columns[i] for i in tracked)}, "
        "history_date, history_change_reason, history_type, history_user_id, "
        "import_batch_id) "
    )
    extra = [now, reason, batch.applied_by_id, batch.pk]
    tracked_params = [
        p for i, p in _params_by_column(expressions, params) if i in tracked
    ]
    cursor.execute(
        into + f"SELECT {', '.join(expressions[i] for i in tracked)}, %s, %s, '+', "
        f"%s, %s FROM {_STAGE} WHERE version IS NULL ORDER BY pos",
        [*tracked_params, *extra],
    )
    if updates:
        cursor.execute(
            into + f"SELECT {', '.join('c.' + columns[i] for i in tracked)}, %s, "
            f"%s, '~', %s, %s FROM {_STAGE} AS s JOIN {customers} AS c "
            "ON c.id = s.id WHERE s.version IS NOT NULL ORDER BY s.pos",
            extra,
        )


def _params_by_column(expressions: list[str], params: list) -> Iterator[tuple]:
    """(column index, parameter) for the expressions that are parameters."""
    values = iter(params)
    for index, expression in enumerate(expressions):
        if expression == "%s":
            yield index, next(values)


# Batches -----------------------------------------------------------------------


STALE_RECORDING = timedelta(hours=1)


def record_batch(
    report: ImportReport, *, user: object | None, list_unchanged: bool = False
) -> ImportBatch:
    """Save a checked file as a batch (status previewed) with its rows: what each
    new and changed row writes, the invalid rows, and with ``list_unchanged`` the
    unchanged rows too (a preview shows them; otherwise they are counted)."""
    plan = report.plan
    # A batch left half-recorded by a killed process is of no use to anyone.
    ImportBatch.objects.filter(
        status=ImportBatch.Status.RECORDING,
        created_at__lt=timezone.now() - STALE_RECORDING,
    ).delete()
    batch = ImportBatch(
        created_by=_user(user),
        file_name=report.file_name[:255],
        file_size=report.file_size,
        sha256=report.sha256,
        mode=(
            ImportBatch.Mode.SKIP_INVALID
            if report.skip_invalid
            else ImportBatch.Mode.ALL_OR_NOTHING
        ),
        status=ImportBatch.Status.RECORDING,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        invalid=report.invalid,
        header=report.header,
        warnings=report.warnings,
        parked=plan.park,
        max_file_id=plan.max_file_id,
        lists_unchanged=list_unchanged,
    )
    batch.save()
    try:
        save_rows(
            batch,
            planned=plan.rows,
            unchanged=plan.unchanged if list_unchanged else None,
            rejected=report.rejected,
            errors=report.errors,
        )
    except BaseException:
        batch.delete()
        raise
    batch.status = ImportBatch.Status.PREVIEWED
    batch.save(update_fields=["status"])
    return batch


def write_batch(
    plan: Plan,
    *,
    batch: ImportBatch,
    user: object | None,
    progress: Progress = _no_progress,
) -> float:
    """Write a recorded batch's plan (see ``write_plan``); the batch becomes
    applied, by ``user``, in the same transaction.

    Raises ``ConcurrentChange`` or ``IntegrityError`` when customers changed since
    the plan was made: then nothing is written and the batch is left as it was.
    """
    before = batch.status, batch.applied_at, batch.applied_by
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.applied_by = _user(user)
    try:
        return write_plan(plan, batch=batch, progress=progress)
    except BaseException:
        batch.status, batch.applied_at, batch.applied_by = before
        raise


def _user(user: object | None) -> object | None:
    return user if getattr(user, "pk", None) else None


def find_duplicate(sha256: str) -> ImportBatch | None:
    """The newest applied (not reverted) batch of the same file, if any."""
    return ImportBatch.objects.applied_with_hash(sha256).first()


def duplicate_message(batch: ImportBatch) -> str:
    when = timezone.localtime(batch.applied_at or batch.created_at)
    return (
        f"This file was already imported as batch #{batch.pk} on {when:%Y-%m-%d %H:%M}."
    )


# The whole import --------------------------------------------------------------


def import_customers(
    file: IO[bytes] | bytes,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    user: object | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportReport:
    """Import an id.csv file and report what happened; see ``MATCHING_RULE``.

    All or nothing by default: any invalid row refuses the whole file and nothing
    is written. With ``skip_invalid`` the valid rows are written and the others
    reported. With ``dry_run`` nothing is written either way. A file already
    imported (an applied batch with the same SHA-256) is refused unless ``force``;
    a dry run only warns. What is written is recorded as an ``ImportBatch`` with
    its rows, so that it can be undone (``customers.reverting``).
    """
    _use_jemalloc()
    with unmapped():
        return _import_customers(
            file,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            user=user,
            encoding=encoding,
            delimiter=delimiter,
            file_name=file_name,
            progress=progress or _no_progress,
            force=force,
        )


@functools.cache
def _use_jemalloc() -> None:
    # The columns live in pyarrow's memory pool; its jemalloc pool hands freed
    # memory back sooner than the default (mimalloc): a 1M-row import peaks about
    # 100 MB lower (bench/).
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a build without jemalloc
        pass


def _import_customers(
    file,
    *,
    dry_run,
    skip_invalid,
    user,
    encoding,
    delimiter,
    file_name,
    progress,
    force,
) -> ImportReport:
    data = file if isinstance(file, bytes) else file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = ImportReport(
        file_name=file_name if file_name is not None else getattr(file, "name", ""),
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    duplicate = find_duplicate(report.sha256)
    if duplicate is not None:
        report.duplicate_of = duplicate.pk
        report.warnings.append(duplicate_message(duplicate))
    try:
        table = read_csv(data, encoding=encoding, delimiter=delimiter)
    except FileRefused as refused:
        report.errors.append(refused.error)
        report.fatal = True
        return report
    del data
    report.header = table.header
    if not table.header:
        report.errors.append(
            RowError(
                1,
                None,
                None,
                "The file is empty: expected a header line "
                "ID,Name,Email,Phone and one row per customer.",
            )
        )
        report.fatal = True
        return report

    positions, unknown, header_errors = map_header(table.header, 1)
    if header_errors:
        report.errors.extend(header_errors)
        report.fatal = True
        return report
    if unknown:
        report.warnings.append(f"Ignored unknown columns: {', '.join(unknown)}.")
    if "phone" not in positions:
        report.warnings.append(
            "No Phone column: existing customers keep their phone numbers."
        )
    if table.num_rows == 0 and not table.errors:
        report.warnings.append("The file has a header but no rows.")

    validated = validate_rows(table, positions, progress)
    snapshot = load_snapshot()
    plan, unchanged, db_errors, warnings = plan_changes(
        validated, snapshot, has_phone="phone" in positions
    )
    del snapshot
    report.warnings.extend(warnings)
    errors = table.errors + validated.errors + db_errors
    errors.sort(key=_error_order)
    report.errors = errors
    _collect_rejected(report, table, errors)
    report.invalid = len({e.line for e in errors})
    report.created, report.updated, report.unchanged = (
        plan.created,
        plan.updated,
        unchanged,
    )
    report.plan = plan
    if report.refused or dry_run:
        return report
    if duplicate is not None and (plan.created or plan.updated) and not force:
        # Applying a file again would undo the edits made since, or bring back
        # customers removed since: only on purpose.
        report.errors.append(
            RowError(
                None,
                None,
                None,
                f"Already imported as batch #{duplicate.pk}: importing it again "
                f"would create {plan.created} and update {plan.updated} customers. "
                "Nothing was written.",
            )
        )
        report.fatal = report.refused_duplicate = True
        return report
    del table, validated  # the plan holds what is written

    batch = record_batch(report, user=user)
    try:
        report.write_seconds = write_batch(
            plan, batch=batch, user=user, progress=progress
        )
    except (ConcurrentChange, IntegrityError):
        batch.delete()  # and its rows: nothing of this import is kept
        report.errors.append(
            RowError(
                None,
                None,
                None,
                "Customers changed while this file was being imported, so nothing "
                "was written; import it again.",
            )
        )
        report.fatal = True
        return report
    report.written = True
    report.batch_id = batch.pk
    return report


def _error_order(error: RowError) -> tuple[int, int]:
    columns = list(COLUMNS.values())
    return (
        error.line or 0,
        columns.index(error.column) if error.column in columns else len(columns),
    )


def _collect_rejected(
    report: ImportReport, table: CsvTable, errors: list[RowError]
) -> None:
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        if error.line is not None:
            reasons[error.line].append(error.reason)
    if not reasons:
        return
    rows = np.flatnonzero(np.isin(table.lines, list(reasons)))
    raw = table.columns.take(pa.array(rows, pa.int64())).to_pylist()
    rejected = [
        (
            int(table.lines[row]),
            list(values.values()),
            "; ".join(reasons[int(table.lines[row])]),
        )
        for row, values in zip(rows.tolist(), raw, strict=True)
    ]
    rejected += [
        (line, values, "; ".join(reasons[line])) for line, values in table.malformed
    ]
    report.rejected = sorted(rejected, key=lambda item: item[0])
