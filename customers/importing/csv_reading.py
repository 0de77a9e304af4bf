"""Read a CSV file's bytes into text columns, a chunk of records at a time,
keeping each row's physical line.

Three steps, each testable on its own:

1. ``decode_blocks`` (``customer_flow.lib.decoding``) turns the bytes, a block at
   a time, into UTF-8, or refuses, with the failing line and a hint, a file that
   does not decode.
2. ``read_chunks`` cuts the text after the last line break outside quotes of
   about ``CHUNK_BYTES`` (``complete_records``), and ``scan_records`` finds, with
   numpy over the chunk, where every record starts, its physical line (counted
   on from the chunks before), its number of fields, and quoting mistakes: an
   unterminated quote or text after a closing quote. Line numbers stay physical
   even when a quoted value contains line breaks. Both scans are in
   ``csv_scanning``.
3. pyarrow's CSV reader turns each chunk's well-formed records into string
   columns (every value stays text: ``NA`` and ``0123`` survive), and records
   with the wrong number of fields are reported.

So only a chunk of the file is ever in memory (``read_csv`` reads a whole file
as one chunk, for small files and tests). pyarrow rather than pandas' C reader:
on one million rows it parses in 0.12 s instead of 1.1 s and holds strings in
compact buffers instead of Python objects (pandas needed 390 MB for the same
file), see docs/benchmarks.md. The chunks stay pyarrow tables rather than
DataFrames with ``pd.ArrowDtype`` columns: such a DataFrame would wrap these
very arrays, and every step after this one (the fast check's RE2 patterns, the
search keys, the staging writer) takes Arrow arrays, so pandas would add a
conversion at each step and no step would use it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.utils.translation import ngettext

from customer_flow.lib.decoding import decode_blocks
from customer_flow.lib.excel_csv import sep_line
from customer_flow.lib.row_errors import FileRefused, RowError
from customers.importing.csv_scanning import (
    Records,
    complete_records,
    count_fields,
    scan_records,
)

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

CHUNK_BYTES = 4 << 20  # a chunk of records read, checked and staged at a time
# A header names columns: a longer header line is not the header of an id.csv (and
# Python's csv module refuses cells over 131,072 characters).
MAX_HEADER_BYTES = 65_536


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
    """Decode and split a whole CSV file at once, or raise ``FileRefused``."""
    chunks = read_chunks(
        [data], encoding=encoding, delimiter=delimiter, chunk_bytes=len(data) + 1
    )
    return next(chunks)


def read_chunks(
    blocks: Iterable[bytes],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    chunk_bytes: int | None = None,
) -> Iterator[CsvTable]:
    """Decode and split a CSV file given as blocks of bytes, about
    ``chunk_bytes`` of records at a time, or raise ``FileRefused``.

    Each table holds whole records (a chunk is cut after a line break outside
    quotes) with their physical lines in the file; the first one also has the
    header, and a file without any gives one empty table. A record longer than
    ``chunk_bytes`` makes its chunk longer; so does a file whose lines end with
    a lone CR (old Mac files: one chunk).
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    text = decode_blocks(blocks, encoding)
    head = b""
    while len(head) < 65536 and (block := next(text, None)) is not None:
        head += block
    sep_bytes, declared = sep_line(head)  # Excel's "sep=;" names the delimiter
    if sep_bytes:
        head, delimiter = head[sep_bytes:], delimiter or declared
    if delimiter is None:
        start = head[:65536].decode("utf-8", "replace").lstrip("\r\n")
        delimiter = detect_delimiter(start.splitlines()[0] if start else "")
    header: list[str] | None = None
    offset, header_line = (1 if sep_bytes else 0), 1  # line breaks so far
    if head.strip():
        for piece in _pieces(itertools.chain([head], text), chunk_bytes, delimiter):
            records = scan_records(piece, delimiter)
            records.lines += offset
            offset += records.breaks
            first = 0
            if header is None:
                if not len(records.starts):
                    continue  # blank lines only, so far
                header, header_line = (
                    _header(piece, records, delimiter),
                    int(records.lines[0]),
                )
                first = 1
            table = _table(piece, records, first, header, delimiter)
            table.header_line = header_line
            yield table
    if header is None:
        yield CsvTable([], pa.table({}), np.empty(0, np.int64), ",")


def _pieces(
    text: Iterable[bytes], chunk_bytes: int, delimiter: str
) -> Iterator[memoryview]:
    """The text cut into pieces of whole records of about ``chunk_bytes``."""
    buffer, want = b"", chunk_bytes
    for block in itertools.chain(text, [None]):
        if block is None:
            if buffer:
                yield memoryview(buffer)
            return
        buffer = buffer + block if buffer else block
        while len(buffer) >= want:
            cut = complete_records(buffer, delimiter, want)
            if not cut:
                want += chunk_bytes  # a record longer than a chunk
                continue
            yield memoryview(buffer)[:cut]
            buffer, want = buffer[cut:], chunk_bytes


def _header(piece: memoryview, records: Records, delimiter: str) -> list[str]:
    """The first record's cells; a header line too long to be one is refused."""
    end = int(records.starts[1]) if len(records.starts) > 1 else len(piece)
    _refuse_long_header(end - int(records.starts[0]), int(records.lines[0]))
    return _split_record(bytes(piece[records.starts[0] : end]), delimiter)


def _table(
    piece: memoryview,
    records: Records,
    first: int,
    header: list[str],
    delimiter: str,
) -> CsvTable:
    """The rows of a chunk's records from ``first`` on (1: after the header)."""
    names = [f"c{i}" for i in range(len(header))]
    lines = records.lines[first:]
    body_start = int(records.starts[first]) if len(records.starts) > first else 0
    body = piece[body_start:] if len(records.starts) > first else piece[:0]
    columns, skipped = _read_columns(body, names, delimiter)
    if not skipped and not len(records.stray):
        if columns.num_rows != len(lines):
            raise _inconsistent()
        return CsvTable(header, columns, lines, delimiter)
    return _with_malformed_records(piece, records, first, header, columns, delimiter)


def _with_malformed_records(
    utf8: memoryview,
    records: Records,
    first: int,
    header: list[str],
    columns: pa.Table,
    delimiter: str,
) -> CsvTable:
    """The table of a chunk with malformed records: count every record's fields
    to know which, and report those."""
    fields, stray = count_fields(utf8, records, delimiter)
    if first and 0 in stray:
        raise FileRefused(
            "The header has text after a closing quote.", line=int(records.lines[0])
        )
    width = len(header)
    lines = records.lines[first:]
    body_fields = fields[first:]
    good = body_fields == width
    if columns.num_rows != int(good.sum()):
        raise _inconsistent()
    table = CsvTable(header, columns, lines[good], delimiter)
    row_of_record = np.cumsum(good) - 1
    for record, column in stray.items():
        if record >= first and good[record - first]:
            table.stray_quotes[int(row_of_record[record - first])] = column
    for index in np.flatnonzero(~good).tolist():
        start = int(records.starts[index + first])
        end = (
            int(records.starts[index + first + 1])
            if index + first + 1 < len(records.starts)
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
