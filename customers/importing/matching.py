"""Match the file's rows to customers and work out what changes: the plan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection
from django.utils.translation import ngettext

from customer_flow.lib.row_errors import RowError
from customers import validation
from customers.importing.columns import (
    PLAN_SCHEMA,
    as_bools,
    as_ints,
    equal_at,
    masked,
    native_buffer,
    row_positions,
)
from customers.importing.report import Plan
from customers.importing.rules import (
    Validated,
    describe_lines,
    duplicates,
    lower_emails,
)
from customers.models import Customer

_CHUNK = 50_000


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
    parts = [_parse_snapshot_chunk(chunk) for chunk in _snapshot_csv()]
    if parts:
        snapshot = pa.concat_tables(parts)
        del parts
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


def _parse_snapshot_chunk(chunk: bytes) -> pa.Table:
    """One chunk of the snapshot's CSV text as columns, parsed on this thread.

    Arrow's threads never see a Python object: the text is copied into memory
    Arrow owns first. (Handing the reader a Python file made Arrow's I/O thread
    call into Python and drop the last reference to it there; when that
    happened while the interpreter was shutting down, after a dry run, the
    process aborted: "terminate called without an active exception".)
    """
    owned = native_buffer(chunk)
    return pacsv.read_csv(
        pa.BufferReader(owned),
        read_options=pacsv.ReadOptions(
            column_names=list(_SNAPSHOT_TYPES), use_threads=False
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=_SNAPSHOT_TYPES,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


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


@dataclass
class _Match:
    """Each row of the file matched to a customer (numpy arrays, one per row)."""

    valid: np.ndarray  # not refused (yet)
    explicit: np.ndarray  # the row names an ID
    found: np.ndarray  # ... of an existing customer
    position: np.ndarray  # the matched customer's row in the snapshot, or -1
    owner: np.ndarray  # the customer that has the row's email now, or 0
    resolved: np.ndarray  # the customer the row writes, or 0 for a new one
    same_email: np.ndarray  # the row keeps its customer's email

    @property
    def existing(self) -> np.ndarray:
        return self.position >= 0


def plan_changes(
    validated: Validated, snapshot: pa.Table, *, has_phone: bool
) -> tuple[Plan, int, list[RowError], list[str]]:
    """Match the valid rows to customers and work out what changes.

    Returns the plan, the number of unchanged rows, the errors found against the
    database (email taken, a customer matched twice) and warnings.
    """
    match = _match(validated, snapshot)
    errors = _refuse_double_matches(match, validated.lines)
    moves, old_lowers = _email_moves(match, validated, snapshot)
    errors += _refuse_taken_emails(match, moves, validated)
    valid, existing = match.valid, match.existing
    same = np.zeros(len(valid), bool)
    if existing.any():
        same = _same_values(validated.values, snapshot, match.position, has_phone)
    unchanged = valid & existing & same
    update = valid & existing & ~same
    create = valid & ~existing

    plan = _build_plan(create, update, match, validated, snapshot, has_phone)
    plan.park = _parked(match, update & moves, update | create, old_lowers, validated)
    same_rows = np.flatnonzero(unchanged)
    plan.unchanged = pa.table(
        {
            "id": pa.array(match.resolved[same_rows], pa.int64()),
            "line": pa.array(validated.lines[same_rows], pa.int64()),
        }
    )
    warnings = _archived_warnings(update, match, snapshot)
    return plan, int(unchanged.sum()), errors, warnings


def _match(validated: Validated, snapshot: pa.Table) -> _Match:
    """Match each row by ID, else by email (ignoring case)."""
    values = validated.values
    valid = ~validated.invalid
    count = len(valid)
    ids_np = as_ints(values["id"])
    explicit = ids_np > 0
    db_ids = snapshot.column("id").to_numpy()  # ascending, see load_snapshot

    # By ID: a binary search over the sorted IDs, no hash table.
    found = np.zeros(count, bool)
    position_np = np.full(count, -1)
    if len(db_ids):
        at = np.minimum(np.searchsorted(db_ids, ids_np), len(db_ids) - 1)
        found = explicit & (db_ids[at] == ids_np)
        position_np = np.where(found, at, -1)
    same_email = equal_at(values["email"], snapshot.column("email"), position_np)

    # By email, only where it can matter: rows without ID, new rows and rows
    # changing their customer's email. A row keeping its email owns it.
    owner_np = np.where(same_email, ids_np, 0)
    look = np.flatnonzero(valid & ~same_email)
    position_np = np.where(explicit, position_np, -1)
    if len(look) and len(db_ids):
        db_lower = lower_emails(snapshot.column("email"))
        hits = pc.index_in(
            validated.email_lower.take(pa.array(look)), value_set=db_lower
        )
        hits_np = np.asarray(pc.fill_null(hits, -1).to_numpy(zero_copy_only=False))
        owner_np[look] = np.where(hits_np >= 0, db_ids[np.maximum(hits_np, 0)], 0)
        position_np[look] = np.where(explicit[look], position_np[look], hits_np)
    resolved_np = np.where(explicit, ids_np, owner_np)  # 0: a new customer
    return _Match(
        valid, explicit, found, position_np, owner_np, resolved_np, same_email
    )


def _refuse_double_matches(match: _Match, lines: np.ndarray) -> list[RowError]:
    """A row without ID matched by email to a customer another row names by ID:
    both rows are refused."""
    errors: list[RowError] = []
    valid, explicit = match.valid, match.explicit
    if not (valid & match.existing & ~explicit).any():
        return errors
    resolved = pa.array(match.resolved, pa.int64(), mask=match.resolved <= 0)
    for customer, rows in duplicates(masked(resolved, valid)).items():
        if explicit[rows].all():
            continue  # the same ID twice: already reported
        for row in rows:
            others = describe_lines(
                [int(lines[other]) for other in rows if other != row]
            )
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
    return errors


def _email_moves(
    match: _Match, validated: Validated, snapshot: pa.Table
) -> tuple[np.ndarray, dict[int, str]]:
    """The rows that give their customer another email (not only another case),
    and the customer's email now (lower case) for each of them."""
    changing = np.flatnonzero(match.found & ~match.same_email)
    emails = snapshot.column("email")
    old_lower = lower_emails(pc.take(emails, row_positions(match.position[changing])))
    new_lower = validated.email_lower.take(pa.array(changing))
    moved = as_bools(pc.not_equal(old_lower, new_lower))
    moves = np.zeros(len(match.valid), bool)
    moves[changing[moved]] = True
    old_lowers = dict(
        zip(changing[moved].tolist(), old_lower.filter(moved).to_pylist(), strict=True)
    )
    return moves, old_lowers


def _refuse_taken_emails(
    match: _Match, moves: np.ndarray, validated: Validated
) -> list[RowError]:
    """An email may move to another customer only if its owner changes theirs in
    the same file; rows refused meanwhile don't release theirs."""
    errors: list[RowError] = []
    valid, owner, resolved = match.valid, match.owner, match.resolved
    while True:
        released = np.unique(resolved[valid & moves])
        taken = valid & (owner > 0) & (owner != resolved) & ~np.isin(owner, released)
        if not taken.any():
            return errors
        for row in np.flatnonzero(taken).tolist():
            errors.append(
                RowError(
                    int(validated.lines[row]),
                    "Email",
                    validated.values["email"][row].as_py(),
                    validation.EMAIL_TAKEN % {"id": int(owner[row])},
                )
            )
        valid &= ~taken


def _same_values(
    values: dict[str, pa.Array],
    snapshot: pa.Table,
    position_np: np.ndarray,
    has_phone: bool,
) -> np.ndarray:
    """Which rows hold exactly their customer's current values."""
    same = equal_at(values["name"], snapshot.column("name"), position_np)
    same &= equal_at(values["email"], snapshot.column("email"), position_np)
    if has_phone:
        same &= equal_at(values["phone"], snapshot.column("phone"), position_np)
    return same


def _parked(
    match: _Match,
    moving_updates: np.ndarray,
    written: np.ndarray,
    old_lowers: dict[int, str],
    validated: Validated,
) -> list[int]:
    """Customers whose current email another row of the file takes over."""
    if not moving_updates.any():
        return []
    new_lowers = set(validated.email_lower.filter(pa.array(written)).to_pylist())
    return sorted(
        int(match.resolved[row])
        for row in np.flatnonzero(moving_updates).tolist()
        if old_lowers[row] in new_lowers
    )


def _archived_warnings(
    update: np.ndarray, match: _Match, snapshot: pa.Table
) -> list[str]:
    archived = pc.take(snapshot.column("archived"), row_positions(match.position))
    archived_updates = update & as_bools(pc.fill_null(archived, False))
    if not archived_updates.any():
        return []
    ids = sorted(match.resolved[archived_updates].tolist())
    shown = ", ".join(str(i) for i in ids[:5]) + (" …" if len(ids) > 5 else "")
    rows = ngettext("%(count)d row update", "%(count)d rows update", len(ids))
    return [
        f"{rows % {'count': len(ids)}} archived customers ({shown}); they stay "
        "archived."
    ]


def _build_plan(
    create: np.ndarray,
    update: np.ndarray,
    match: _Match,
    validated: Validated,
    snapshot: pa.Table,
    has_phone: bool,
) -> Plan:
    values, lines = validated.values, validated.lines
    ids = match.resolved
    kind = np.where(update, "~", "+")
    # ID order, rows without ID last in file order: the customers table is then
    # appended to in key order, and new IDs follow the highest one.
    order = np.flatnonzero(create | update)
    order = order[np.lexsort((order, ids[order], ids[order] <= 0))]
    no_id = ids[order] <= 0
    every_row_in_order = len(order) == len(ids) and (order[1:] > order[:-1]).all()
    indices = None if every_row_in_order else pa.array(order, pa.int64())

    def take(column: pa.ChunkedArray) -> pa.ChunkedArray:
        # Every row, in file order: no copy.
        return column if indices is None else column.take(indices)

    # The customers' current values, for the rows that change them only.
    positions = row_positions(match.position[order])
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
        },
        schema=PLAN_SCHEMA,
    )
    max_file_id = int(ids.max()) if len(ids) else 0
    return Plan(table, [], max(max_file_id, 0), updated=int(update.sum()))
