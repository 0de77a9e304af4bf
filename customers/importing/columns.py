"""The columns of an import: the file's header, the plan's layout, and the few
conversions between pyarrow columns and numpy arrays that every stage uses."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import ngettext

from customer_flow.lib.row_errors import RowError
from customers import validation

CHUNK = 50_000

COLUMNS = {"id": "ID", "name": "Name", "email": "Email", "phone": "Phone"}
REQUIRED_COLUMNS = ("id", "name", "email")

# The plan: one row per customer to create ("+") or update ("~"). A batch stores
# these rows (batch_rows) and Apply reads them back in the same layout.
PLAN_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("id", pa.int64()),  # null: the next free ID
        ("name", pa.string()),
        ("email", pa.string()),
        ("phone", pa.string()),
        ("version", pa.int64()),  # an updated customer's, as read; null for new
        ("line", pa.int64()),
        ("old_name", pa.string()),
        ("old_email", pa.string()),
        ("old_phone", pa.string()),
    ]
)
# What the write stages of each plan row: a row with a version updates that
# customer, one without creates one.
STAGED_COLUMNS = ["id", "name", "email", "phone", "version"]
# The old values a changed row keeps (for the preview and the undo).
OLD_VALUES = ["old_name", "old_email", "old_phone"]


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
                ngettext("Missing column", "Missing columns", len(missing))
                + f" {', '.join(missing)} (found: {found}). The header must name ID, "
                "Name and Email; Phone is optional.",
            )
        )
    return positions, unknown, errors


def error_order(error: RowError) -> tuple[int, int]:
    """Sort key of errors: by line, then in the order of the columns."""
    columns = list(COLUMNS.values())
    return (
        error.line or 0,
        columns.index(error.column) if error.column in columns else len(columns),
    )


def as_bools(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), bool)


def as_ints(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Integers with nulls as 0 (IDs are 1 or more)."""
    return np.asarray(pc.fill_null(array, 0).to_numpy(zero_copy_only=False), np.int64)


def row_positions(positions: np.ndarray) -> pa.Array:
    """Row positions for ``take``, null where negative (no such row)."""
    return pa.array(positions, pa.int64(), mask=positions < 0)


def equal_at(
    values: pa.ChunkedArray, current: pa.Array, position_np: np.ndarray
) -> np.ndarray:
    """Which rows hold exactly their customer's current value (a slice at a time,
    so no full-length copy of the current values is made)."""
    same = np.zeros(len(position_np), bool)
    for start in range(0, len(position_np), CHUNK):
        positions = row_positions(position_np[start : start + CHUNK])
        equal = pc.equal(values.slice(start, CHUNK), pc.take(current, positions))
        same[start : start + CHUNK] = as_bools(pc.fill_null(equal, False))
    return same


def native_buffer(data: bytes | memoryview) -> pa.Buffer:
    """A copy of ``data`` in memory that pyarrow owns.

    ``pa.py_buffer`` would wrap the Python object instead, and the buffer's last
    reference can then be dropped on one of Arrow's threads, which must take the
    GIL to release it: at interpreter exit, that aborts the process.
    """
    owned = pa.allocate_buffer(len(data))
    np.frombuffer(owned, np.uint8)[:] = np.frombuffer(data, np.uint8)
    return owned


def masked(array: pa.Array, keep: np.ndarray) -> pa.Array:
    """``array`` with nulls where ``keep`` is false."""
    return pc.if_else(pa.array(keep), array, pa.scalar(None, array.type))
