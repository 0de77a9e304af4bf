"""Files from other systems, before their values are checked: rows a spreadsheet
left empty are dropped, and the file's columns are mapped to the customer fields.

Column mapping, in this order:

1. ``columns`` given (the command's ``--columns "ID=Customer ID,..."``, the web's
   mapping step): exactly those header cells, nothing guessed;
2. the header names ID, Name, Email (and Phone): ``columns.map_header``;
3. a mapping remembered for a file with the same header cells (``ColumnMapping``,
   saved by the web's mapping step), said in a warning;
4. otherwise the file is refused, with the mapping its headers suggest (known
   aliases: ``Customer ID``, ``Full name``, ``E-mail address``, ``Telephone``, the
   columns of Outlook and Google contacts exports) for the caller to offer.

A file without an ID column (contacts exports have none) is mapped with every ID
empty: each row then updates the customer with its email or creates one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_flow.lib.row_errors import RowError
from customers.importing.columns import COLUMNS, REQUIRED_COLUMNS, map_header
from customers.importing.csv_reading import CsvTable
from customers.models import ColumnMapping

# Header cells people's systems use for each field, compared by ``fold``.
ALIASES = {
    "id": [
        "id", "customer id", "customer no", "customer number", "customer",
        "client id", "client number", "account id", "account number", "contact id",
        "record id", "external id", "kundennummer", "kunden nr", "numero client",
    ],
    "name": [
        "name", "full name", "fullname", "customer name", "client name",
        "contact name", "display name", "contact", "nom", "nombre",
    ],
    "email": [
        "email", "e mail", "email address", "e mail address", "mail", "e mail 1",
        "email 1", "e mail 1 value", "email 1 value", "primary email",
        "e mail adresse", "courriel", "correo",
    ],
    "phone": [
        "phone", "telephone", "tel", "phone number", "telephone number", "mobile",
        "mobile phone", "mobile number", "cell", "cell phone", "business phone",
        "primary phone", "home phone", "phone 1 value", "telefon", "telefonnummer",
    ],
}  # fmt: skip


def fold(cell: str) -> str:
    """A header cell as cells are compared: composed, ignoring case, spaces,
    punctuation and a BOM (``E-mail_Address`` is ``e mail address``)."""
    text = unicodedata.normalize("NFC", cell).strip().strip("\ufeff").casefold()
    return " ".join(re.sub(r"[\s_\-.:/#()]+", " ", text).split())


_FOLDED_ALIASES = {key: [fold(a) for a in names] for key, names in ALIASES.items()}


def signature(header: list[str]) -> str:
    """What files with the same header cells share (a remembered mapping's key)."""
    return hashlib.sha256("\x1f".join(map(fold, header)).encode()).hexdigest()


def suggest(header: list[str]) -> dict[str, str]:
    """For each field, the first header cell that is one of its known aliases."""
    folded = [fold(cell) for cell in header]
    taken: set[int] = set()
    suggestion: dict[str, str] = {}
    for key, aliases in _FOLDED_ALIASES.items():
        for alias in aliases:
            index = next(
                (i for i, c in enumerate(folded) if i not in taken and c == alias),
                None,
            )
            if index is not None:
                suggestion[key] = header[index]
                taken.add(index)
                break
    return suggestion


def parse_columns(text: str) -> dict[str, str]:
    """``ID=Customer ID,Name=Full name`` as ``{"id": "Customer ID", ...}``; raises
    ``ValueError`` with a message naming what is wrong."""
    fields = {name.lower(): key for key, name in COLUMNS.items()}
    columns: dict[str, str] = {}
    for part in filter(str.strip, text.split(",")):
        target, equals, cell = part.partition("=")
        key = fields.get(target.strip().lower())
        if not equals or key is None or not cell.strip():
            raise ValueError(
                f'"{part.strip()}" is not FIELD=HEADER: write e.g. '
                '"ID=Customer ID,Name=Full name,Email=E-mail address,Phone=Telephone" '
                "(fields: ID, Name, Email, Phone)."
            )
        if key in columns:
            raise ValueError(f"{COLUMNS[key]} is mapped twice.")
        columns[key] = cell.strip()
    return columns


def columns_option(columns: dict[str, str]) -> str:
    """The ``--columns`` text of a mapping."""
    return ",".join(f"{COLUMNS[key]}={cell}" for key, cell in columns.items())


@dataclass
class ColumnChoice:
    """Where each field is in the file, or why the header refuses it."""

    positions: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestion: dict[str, str] | None = None
    """set when the file was refused for its header: the mapping to offer"""


def choose_columns(
    header: list[str], line: int, columns: dict[str, str] | None
) -> ColumnChoice:
    """The file's columns, mapped as the module docstring says."""
    if columns is not None:
        return _given(header, line, columns)
    positions, unknown, errors = map_header(header, line)
    if not errors:
        return ColumnChoice(positions, unknown)
    remembered = ColumnMapping.objects.filter(signature=signature(header)).first()
    if remembered is not None:
        choice = _given(header, line, remembered.columns)
        if not choice.errors:
            choice.warnings.append(
                "Columns mapped as remembered for files with these headers: "
                f"{columns_option(remembered.columns)}."
            )
            return choice
    choice = ColumnChoice(positions, unknown, errors)
    if any(error.message.startswith("Missing column") for error in errors):
        choice.suggestion = suggest(header)
    return choice


def _given(header: list[str], line: int, columns: dict[str, str]) -> ColumnChoice:
    choice = ColumnChoice()
    folded = [fold(cell) for cell in header]
    for key, cell in columns.items():
        if fold(cell) not in folded:
            found = ", ".join(c.strip() for c in header)
            choice.errors.append(
                RowError(
                    line,
                    None,
                    None,
                    f'The column "{cell}" given for {COLUMNS[key]} is not in the '
                    f"file (its columns: {found}).",
                )
            )
            continue
        index = folded.index(fold(cell))
        if index in choice.positions.values():
            choice.errors.append(
                RowError(line, None, None, f'The column "{cell}" is mapped twice.')
            )
        choice.positions[key] = index
    missing = [COLUMNS[k] for k in REQUIRED_COLUMNS if k not in columns and k != "id"]
    if missing:
        choice.errors.append(
            RowError(
                line, None, None, f"Map a column to {' and '.join(missing)}: required."
            )
        )
    if "id" not in columns:
        choice.warnings.append(
            "No ID column: each row updates the customer with its email, or "
            "creates one with the next free ID."
        )
    used = set(choice.positions.values())
    choice.unknown = [
        cell.strip() or f"(unnamed column {i + 1})"
        for i, cell in enumerate(header)
        if i not in used
    ]
    return choice


def add_empty_ids(table: CsvTable, positions: dict[str, int]) -> None:
    """A file mapped without an ID column: every row's ID is empty (a column
    after the file's, added to each chunk)."""
    positions.setdefault("id", len(table.header))
    if positions["id"] != table.columns.num_columns:
        return
    empty = pa.array(np.full(table.num_rows, "", object), pa.string())
    table.columns = table.columns.append_column(f"c{positions['id']}", empty)


def drop_empty_rows(table: CsvTable) -> int:
    """Drop the rows whose every cell is empty or spaces (a spreadsheet's
    trailing ``,,,``), malformed ones too; how many were dropped."""
    dropped = 0
    empty_malformed = {
        line for line, cells in table.malformed if not any(map(str.strip, cells))
    }
    if empty_malformed:
        table.malformed = [m for m in table.malformed if m[0] not in empty_malformed]
        table.errors = [e for e in table.errors if e.line not in empty_malformed]
        dropped += len(empty_malformed)
    if not table.num_rows or not table.columns.num_columns:
        return dropped
    empty = None
    for column in table.columns.columns:
        blank = pc.equal(pc.utf8_trim_whitespace(column), "")
        empty = blank if empty is None else pc.and_(empty, blank)
        if not pc.any(empty).as_py():  # the usual case, seen in a column or two
            return dropped
    keep = ~np.asarray(pc.fill_null(empty, False).to_numpy(zero_copy_only=False), bool)
    if keep.all():
        return dropped
    new_index = np.cumsum(keep) - 1
    table.stray_quotes = {
        int(new_index[row]): column
        for row, column in table.stray_quotes.items()
        if keep[row]
    }
    table.columns = table.columns.filter(pa.array(keep))
    table.lines = table.lines[keep]
    return dropped + int((~keep).sum())
