"""Read a CSV file's bytes into text columns, keeping each row's physical line.

Three steps, each testable on its own:

1. ``decode`` (``customer_flow.lib.decoding``) turns the bytes into UTF-8, or
   refuses, with the failing line and a hint, a file that does not decode.
2. ``scan_records`` finds, with numpy over the bytes, where every record starts,
   its physical line, its number of fields, and quoting mistakes: an unterminated
   quote or text after a closing quote. Line numbers stay physical even when a
   quoted value contains line breaks.
3. ``read_csv`` hands the bytes to pyarrow's multi-threaded CSV reader, which turns
   the well-formed records into string columns (every value stays text: ``NA``
   and ``0123`` survive), and reports records with the wrong number of fields.

pyarrow rather than pandas' C reader: on one million rows it parses in 0.12 s
instead of 1.1 s and holds strings in compact buffers instead of Python objects
(pandas needed 390 MB of memory for the same file), see the benchmark.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.utils.translation import ngettext

from customer_flow.lib.decoding import decode
from customer_flow.lib.excel_csv import sep_line
from customer_flow.lib.row_errors import FileRefused, RowError

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

_SCAN_CHUNK = 8 << 20
# A header names columns: a longer header line is not the header of an id.csv (and
# Python's csv module refuses cells over 131,072 characters).
MAX_HEADER_BYTES = 65_536


@dataclass
class Records:
    """Where each non-empty record of a CSV file starts, and what it looks like."""

    starts: np.ndarray  # byte offset of each record
    lines: np.ndarray  # physical line (1-based) where each record starts
    opens: np.ndarray  # positions of the quotes opening quoted values
    closes: np.ndarray  # ... and of those closing them
    stray: np.ndarray  # closing quotes followed by more text


def _positions(buf: np.ndarray, byte: int) -> np.ndarray:
    # Chunked so that a large file never needs a second full-size boolean array.
    parts = [
        np.flatnonzero(buf[start : start + _SCAN_CHUNK] == byte) + start
        for start in range(0, len(buf), _SCAN_CHUNK)
    ]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _inside(positions: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """Which positions fall strictly inside a quoted span."""
    if len(opens) == 0:
        return np.zeros(len(positions), bool)
    index = np.searchsorted(opens, positions, side="right") - 1
    return (index >= 0) & (positions < closes[np.maximum(index, 0)])


def _line_of(breaks: np.ndarray, position: int) -> int:
    return int(np.searchsorted(breaks, position)) + 1


def _quoted_spans(
    buf: np.ndarray, quotes: np.ndarray, delimiter: int, breaks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (open, close) quote positions of quoted values, and closes followed by
    stray text. A quote opens a value only at the start of a field (RFC 4180);
    elsewhere in an unquoted value it is an ordinary character."""
    size = len(buf)
    if len(quotes) == 0:
        return quotes, quotes, quotes
    starts_field = np.zeros(256, bool)
    starts_field[[delimiter, LF, CR]] = True
    if len(quotes) % 2 == 0:
        # Fast path: quotes pair up in order, each pair opening at a field start
        # (or right after the previous pair, an escaped "") and closing before a
        # delimiter, a line end, the end of the file or the next pair.
        opens, closes = quotes[0::2], quotes[1::2]
        follows_close = np.zeros(len(opens), bool)
        follows_close[1:] = opens[1:] == closes[:-1] + 1
        open_ok = (opens == 0) | starts_field[buf[opens - 1]] | follows_close
        precedes_open = np.zeros(len(closes), bool)
        precedes_open[:-1] = follows_close[1:]
        after = np.minimum(closes + 1, size - 1)
        close_ok = (closes == size - 1) | starts_field[buf[after]] | precedes_open
        if open_ok.all() and close_ok.all():
            first = np.flatnonzero(~follows_close)
            last = np.append(first[1:] - 1, len(opens) - 1)
            return opens[first], closes[last], np.empty(0, np.int64)
    return _quoted_spans_in_order(buf, quotes.tolist(), starts_field, breaks)


def _quoted_spans_in_order(
    buf: np.ndarray, quotes: list[int], starts_field: np.ndarray, breaks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # The same rules, one quote at a time: for files with literal quotes inside
    # unquoted values, stray text after a closing quote, or an unterminated quote.
    size, count = len(buf), len(quotes)
    opens, closes, stray = [], [], []
    i = 0
    while i < count:
        position = quotes[i]
        if position and not starts_field[buf[position - 1]]:
            i += 1  # an ordinary character inside an unquoted value
            continue
        j = i + 1
        while j < count and j + 1 < count and quotes[j + 1] == quotes[j] + 1:
            j += 2  # an escaped quote ("") inside the quoted value
        if j >= count:
            raise FileRefused(
                'A quoted value starts here and is never closed: a " is missing.',
                line=_line_of(breaks, position),
            )
        close = quotes[j]
        opens.append(position)
        closes.append(close)
        if close + 1 < size and not starts_field[buf[close + 1]]:
            stray.append(close)
        i = j + 1
    return np.array(opens, np.int64), np.array(closes, np.int64), np.array(stray)


def scan_records(data: memoryview | bytes, delimiter: str) -> Records:
    """Split ``data`` into records the way RFC 4180 (and pyarrow) reads them."""
    buf = np.frombuffer(data, np.uint8)
    size = len(buf)
    # Line ends: LF, CRLF (counted at its LF) and a lone CR, as the reader does.
    lf, cr = _positions(buf, LF), _positions(buf, CR)
    lone_cr = cr[(cr + 1 >= size) | (buf[np.minimum(cr + 1, size - 1)] != LF)]
    breaks = np.union1d(lf, lone_cr) if len(lone_cr) else lf
    opens, closes, stray = _quoted_spans(
        buf, _positions(buf, QUOTE), ord(delimiter), breaks
    )
    ends = breaks[~_inside(breaks, opens, closes)]
    starts = np.concatenate(([0], ends + 1))
    ends = np.append(ends, size)
    content_end = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == CR))
    # Blank lines (and the empty "record" after a final line break) are skipped,
    # as the reader skips them.
    starts = starts[content_end > starts]
    lines = np.searchsorted(breaks, starts) + 1
    return Records(starts, lines, opens, closes, stray)


def count_fields(
    data: memoryview | bytes, records: Records, delimiter: str
) -> tuple[np.ndarray, dict[int, int]]:
    """The number of fields of each record, and for records with text after a
    closing quote, the (0-based) field where it is."""
    buf = np.frombuffer(data, np.uint8)
    delimiters = _positions(buf, ord(delimiter))
    delimiters = delimiters[~_inside(delimiters, records.opens, records.closes)]
    starts = records.starts
    owner = np.searchsorted(starts, delimiters, side="right") - 1
    fields = 1 + np.bincount(owner[owner >= 0], minlength=len(starts))[: len(starts)]
    stray: dict[int, int] = {}
    for position in records.stray.tolist():
        record = int(np.searchsorted(starts, position, side="right")) - 1
        before = np.searchsorted(delimiters, [starts[record], position])
        stray.setdefault(record, int(before[1] - before[0]))
    return fields, stray


def detect_delimiter(first_line: str) -> str:
    """The delimiter of a header line: comma, semicolon or tab, whichever it has
    most of outside quotes (comma when none)."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


@dataclass
class CsvTable:
    """The rows of a CSV file as text columns, with their physical lines."""

    header: list[str]
    columns: pa.Table  # one string column per header cell, named c0, c1, ...
    lines: np.ndarray  # physical line of each row of ``columns``
    delimiter: str
    errors: list[RowError] = field(default_factory=list)
    """records that are not rows: wrong number of fields"""
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    """(line, fields) of those records, for a rejected-rows report"""
    stray_quotes: dict[int, int] = field(default_factory=dict)
    """row index -> column index whose value has text after its closing quote"""
    header_line: int = 1
    """2 after Excel's ``sep=;`` line"""

    @property
    def num_rows(self) -> int:
        return self.columns.num_rows


def read_csv(
    data: bytes, *, encoding: str | None = None, delimiter: str | None = None
) -> CsvTable:
    """Decode and split a CSV file, or raise ``FileRefused``."""
    utf8 = decode(data, encoding)
    sep_bytes, declared = sep_line(utf8)  # Excel's "sep=;" names the delimiter
    if sep_bytes:
        utf8, delimiter = utf8[sep_bytes:], delimiter or declared
    if not bytes(utf8[:65536]).strip() and not bytes(utf8).strip():
        return CsvTable([], pa.table({}), np.empty(0, np.int64), ",")
    if delimiter is None:
        text = bytes(utf8[:65536]).decode("utf-8", "replace").lstrip("\r\n")
        delimiter = detect_delimiter(text.splitlines()[0] if text else "")
    records = scan_records(utf8, delimiter)
    records.lines += 1 if sep_bytes else 0
    header_end = int(records.starts[1]) if len(records.starts) > 1 else len(utf8)
    _refuse_long_header(header_end - int(records.starts[0]), int(records.lines[0]))
    header = _split_record(bytes(utf8[records.starts[0] : header_end]), delimiter)
    width = len(header)
    lines = records.lines[1:]
    names = [f"c{i}" for i in range(width)]
    columns, skipped = _read_columns(utf8[header_end:], names, delimiter)
    if not skipped and not len(records.stray):
        if columns.num_rows != len(lines):
            raise _inconsistent()
        table = CsvTable(header, columns, lines, delimiter)
    else:
        table = _with_malformed_records(utf8, records, header, columns, delimiter)
    table.header_line = int(records.lines[0])
    return table


def _with_malformed_records(
    utf8: memoryview,
    records: Records,
    header: list[str],
    columns: pa.Table,
    delimiter: str,
) -> CsvTable:
    """The table of a file with malformed records: count every record's fields
    to know which, and report those."""
    fields, stray = count_fields(utf8, records, delimiter)
    if 0 in stray:
        raise FileRefused(
            "The header has text after a closing quote.", line=int(records.lines[0])
        )
    width = len(header)
    lines = records.lines[1:]
    body_fields = fields[1:]
    good = body_fields == width
    if columns.num_rows != int(good.sum()):
        raise _inconsistent()
    table = CsvTable(header, columns, lines[good], delimiter)
    row_of_record = np.cumsum(good) - 1
    for record, column in stray.items():
        if good[record - 1]:
            table.stray_quotes[int(row_of_record[record - 1])] = column
    for index in np.flatnonzero(~good).tolist():
        start = int(records.starts[index + 1])
        end = (
            int(records.starts[index + 2])
            if index + 2 < len(records.starts)
            else len(utf8)
        )
        count = int(body_fields[index])
        hint = (
            " (an unquoted delimiter inside a value? Quote the value)"
            if count > width
            else ""
        )
        fields_text = ngettext("%(count)d field", "%(count)d fields", count)
        table.errors.append(
            RowError(
                int(lines[index]),
                None,
                None,
                f"This row has {fields_text % {'count': count}} but the header "
                f"has {width}{hint}.",
            )
        )
        values = _split_record(bytes(utf8[start:end]), delimiter)
        table.malformed.append((int(lines[index]), values))
    return table


def _refuse_long_header(length: int, line: int) -> None:
    if length > MAX_HEADER_BYTES:
        raise FileRefused(
            f"The header line is {length:,} bytes long: a header names the columns, "
            "like ID,Name,Email,Phone. Is this the right file?",
            line=line,
        )


def _inconsistent() -> FileRefused:
    return FileRefused(
        "The rows of this file could not be told apart reliably; check its "
        "quoting (every quote inside a quoted value doubled)."
    )


def _read_columns(
    body: memoryview, names: list[str], delimiter: str
) -> tuple[pa.Table, int]:
    """The records as string columns, and how many were skipped as malformed."""
    if not len(body):
        return pa.table({name: pa.array([], pa.string()) for name in names}), 0
    skipped = 0

    def skip(row: object) -> str:
        # Records with the wrong number of fields are found and reported by
        # count_fields.
        nonlocal skipped
        skipped += 1
        return "skip"

    columns = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            invalid_row_handler=skip,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return columns, skipped


def _split_record(record: bytes, delimiter: str) -> list[str]:
    text = record.decode("utf-8").rstrip("\r\n")
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:  # a cell over 131,072 characters: only shown, in a report
        return text.split(delimiter)
