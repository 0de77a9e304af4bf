"""Read ticket_types.json, a flat JSON object, keeping where each value is.

Linear in the file's size (line numbers by bisecting the line starts, not by
counting from the start for every entry) and safe on hostile input: values nested
deeper than ``MAX_DEPTH`` refuse the file before the decoder could recurse.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]

from customer_flow.lib.row_errors import FileRefused


@dataclass
class Entry:
    code: str
    name: object
    line: int
    column: int


# Deeper values refuse the file before Python's JSON decoder could recurse into
# them (a name is text: any nesting at all is already wrong).
MAX_DEPTH = 100


class _Text:
    """The file's text and where its lines start, to turn an index into a line
    and column in logarithmic time (the parse stays linear on large files)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def malformed(self, index: int, message: str) -> FileRefused:
        line, column = self.position(index)
        return FileRefused(f"Malformed JSON: {message}", line=line, column=str(column))


def parse_ticket_types(text: str) -> list[Entry]:
    """The key/value pairs of a flat JSON object, each with the line and column
    of its value; raises ``FileRefused`` for malformed JSON."""
    source = _Text(text)
    decoder = json.JSONDecoder(parse_constant=lambda name: float("nan"))
    entries: list[Entry] = []
    index = _skip_space(text, 0)
    if text[index : index + 1] != "{":
        raise source.malformed(index, 'Expected the file to start with "{".')
    index = _skip_space(text, index + 1)
    if text[index : index + 1] == "}":
        index += 1
    else:
        while True:
            entry, index = _parse_member(source, index, decoder)
            entries.append(entry)
            index = _skip_space(text, index)
            if text[index : index + 1] == ",":
                index = _skip_space(text, index + 1)
                continue
            if text[index : index + 1] == "}":
                index += 1
                break
            raise source.malformed(index, 'Expected "," or "}".')
    if _skip_space(text, index) != len(text):
        raise source.malformed(_skip_space(text, index), "Extra text after the object.")
    return entries


def _parse_member(
    source: _Text, index: int, decoder: json.JSONDecoder
) -> tuple[Entry, int]:
    """The ``"key": value`` pair at ``index``, and where it ends."""
    text = source.text
    if text[index : index + 1] != '"':
        raise source.malformed(index, "Expected a key in double quotes.")
    try:
        key, index = scanstring(text, index + 1)
    except json.JSONDecodeError as error:
        raise source.malformed(error.pos, error.msg) from None
    index = _skip_space(text, index)
    if text[index : index + 1] != ":":
        raise source.malformed(index, 'Expected ":" after the key.')
    start = _skip_space(text, index + 1)
    _refuse_deep_nesting(source, start)
    try:
        value, index = decoder.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise source.malformed(error.pos, error.msg) from None
    except RecursionError:  # nested deep further in, as [0, [[[...]]]]
        raise source.malformed(start, _TOO_DEEP) from None
    line, column = source.position(start)
    return Entry(key, value, line, column), index


def _refuse_deep_nesting(source: _Text, start: int) -> None:
    depth, index = 0, start
    while depth <= MAX_DEPTH:
        level = _LEVEL_RE.match(source.text, index)
        if level is None:
            return
        depth, index = depth + 1, level.end()
    raise source.malformed(start, _TOO_DEEP)


_TOO_DEEP = (
    f"The value is nested more than {MAX_DEPTH} levels deep; a ticket type's name "
    "is text in double quotes."
)


# One level of nesting: "[" or "{" and a key, then spaces.
_LEVEL_RE = re.compile(r'(?:\[|\{\s*"(?:[^"\\]|\\.)*"\s*:)\s*')


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index
