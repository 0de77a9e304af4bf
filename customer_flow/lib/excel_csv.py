"""What spreadsheets put in CSV files besides the table: Excel's ``sep=;`` line."""

from __future__ import annotations

import re

# Excel writes (and reads) a first line "sep=X" naming the delimiter, with the
# line break of the file; some tools quote it.
_SEP_LINE = re.compile(rb'^"?sep=(.)"?[ \t]*(\r\n|\n|\r|$)', re.IGNORECASE)


def sep_line(data: bytes | memoryview) -> tuple[int, str | None]:
    """The length in bytes of an Excel ``sep=X`` first line and its delimiter,
    or ``(0, None)`` when the file has none."""
    match = _SEP_LINE.match(bytes(data[:16]))
    if match is None:
        return 0, None
    return match.end(), match.group(1).decode("ascii", "replace")
