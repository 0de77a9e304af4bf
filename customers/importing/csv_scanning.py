"""Where the records of a chunk of CSV text start, found with numpy: step 2 of
``csv_reading``.

``scan_records`` finds where every record starts, its physical line and the
quoting mistakes (an unterminated quote, text after a closing quote);
``count_fields`` counts each record's fields; ``complete_records`` says where a
chunk can be cut, after the last line break outside quotes. Quotes are paired
the way RFC 4180 (and pyarrow's reader) pairs them, so line numbers stay
physical even when a quoted value contains line breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_flow.lib.row_errors import FileRefused

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")

_SCAN_CHUNK = 8 << 20


@dataclass
class Records:
    """Where each non-empty record of a CSV file starts, and what it looks like."""

    starts: np.ndarray  # byte offset of each record
    lines: np.ndarray  # physical line (1-based) where each record starts
    opens: np.ndarray  # positions of the quotes opening quoted values
    closes: np.ndarray  # ... and of those closing them
    stray: np.ndarray  # closing quotes followed by more text
    breaks: int = 0  # line breaks in the data


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
    return Records(starts, lines, opens, closes, stray, len(breaks))


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


def complete_records(data: bytes, delimiter: str, end: int) -> int:
    """How many bytes of ``data`` hold complete records: up to its last line
    feed outside quoted values before ``end`` (0 if none)."""
    buf = np.frombuffer(data, np.uint8)[:end]
    quotes = _positions(buf, QUOTE)
    while (feed := data.rfind(b"\n", 0, end)) >= 0:
        try:
            _quoted_spans(
                buf[: feed + 1],
                quotes[: np.searchsorted(quotes, feed)],
                ord(delimiter),
                np.empty(0, np.int64),
            )
        except FileRefused:  # this line feed is inside a quoted value
            end = feed
            continue
        return feed + 1
    return 0
