"""Decode a text file's bytes without guessing: UTF-8 with or without BOM,
UTF-16/32 by their BOM, or an explicit encoding.

A file that does not decode is refused (``FileRefused``) with the failing line
and a hint, and so is a file that is not text at all (a workbook, an image, a
file full of NUL bytes). Nothing is guessed, so nothing is garbled.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator

from customer_flow.lib.row_errors import FileRefused

# Most specific first: the UTF-32 LE BOM begins with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_DECODE_CHUNK = 4 << 20


def decode(data: bytes, encoding: str | None = None) -> memoryview:
    """Return the file as UTF-8 bytes without a BOM, or raise ``FileRefused``."""
    _refuse_binary(data, encoding)
    if encoding is None:
        for bom, name in _BOMS:
            if data.startswith(bom):
                if name == "utf-8":
                    return _check_utf8(memoryview(data)[len(bom) :])
                return _transcode(data[len(bom) :], name)
        return _check_utf8(memoryview(data))
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileRefused(f"Unknown encoding {encoding!r}.") from None
    if name in ("utf-8", "utf-8-sig"):
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
        return _check_utf8(memoryview(data)[len(bom) :])
    return _transcode(data, name)


def decode_blocks(
    blocks: Iterable[bytes], encoding: str | None = None
) -> Iterator[bytes]:
    """``decode`` a file given as blocks cut anywhere: UTF-8 bytes without a BOM,
    also cut anywhere, with the same refusals; only a block at a time is held.

    UTF-8 is checked and passed through; other encodings are transcoded by an
    incremental decoder (a UTF-16 character may straddle two blocks).
    """
    source = iter(blocks)
    head = next(source, b"")
    while len(head) < 4 and (more := next(source, None)) is not None:
        head += more  # enough for a byte-order mark
    _refuse_binary(head, encoding)
    name, bom = _codec(head, encoding)
    rest = itertools.chain([head[bom:]], source)
    if name == "utf-8":
        yield from _checked_utf8(rest)
    else:
        yield from _transcoded(rest, name)


def _codec(head: bytes, encoding: str | None) -> tuple[str, int]:
    """The codec of a file starting with ``head``, and its BOM's length."""
    if encoding is None:
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name, len(bom)
        return "utf-8", 0
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileRefused(f"Unknown encoding {encoding!r}.") from None
    if name in ("utf-8", "utf-8-sig"):
        bom = codecs.BOM_UTF8
        return "utf-8", len(bom) if head.startswith(bom) else 0
    return name, 0


def _checked_utf8(blocks: Iterable[bytes]) -> Iterator[bytes]:
    carry, lines = b"", 0  # an incomplete last character; line feeds so far
    for block in itertools.chain(blocks, [None]):
        final = block is None
        data = carry + (block or b"")
        try:
            _text, used = codecs.utf_8_decode(data, "strict", final)
        except UnicodeDecodeError as error:
            line = lines + data[: error.start].count(b"\n") + 1
            raise FileRefused(
                f"This file is not UTF-8: byte 0x{data[error.start]:02X} cannot be "
                f"read; {_encoding_hint(data)}.",
                line=line,
            ) from None
        if used:
            lines += data.count(b"\n", 0, used)
            yield data[:used]
        carry = data[used:]


def _transcoded(blocks: Iterable[bytes], name: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(name)("strict")
    lines, position, first = 0, 0, True
    for block in itertools.chain(blocks, [None]):
        try:
            text = decoder.decode(block or b"", final=block is None)
        except UnicodeDecodeError as error:
            before = (block or b"")[: error.start].decode(name, "replace")
            raise FileRefused(
                f"This file is not valid {name}: the bytes at position "
                f"{position + error.start} cannot be read; check the encoding.",
                line=lines + before.count("\n") + 1,
            ) from None
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        lines += text.count("\n")
        position += len(block or b"")
        if text:
            yield text.encode("utf-8")


def _check_utf8(view: memoryview) -> memoryview:
    # Decode in pieces cut at line ends (a line feed is never inside a UTF-8
    # sequence) so a large file is never held twice.
    start, size = 0, len(view)
    while start < size:
        end = min(start + _DECODE_CHUNK, size)
        if end < size:
            cut = bytes(view[start:end]).rfind(b"\n")
            end = start + cut + 1 if cut >= 0 else end
        try:
            str(view[start:end], "utf-8")
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data" and end < size:
                end = size  # a long line without line feeds: decode the rest
                continue
            position = start + error.start
            line = bytes(view[:position]).count(b"\n") + 1
            raise FileRefused(
                f"This file is not UTF-8: byte 0x{view[position]:02X} cannot be "
                f"read; {_encoding_hint(bytes(view))}.",
                line=line,
            ) from None
        start = end
    return view


def _transcode(data: bytes, encoding: str) -> memoryview:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(encoding, "replace").count("\n") + 1
        raise FileRefused(
            f"This file is not valid {encoding}: the bytes at position {error.start} "
            "cannot be read; check the encoding.",
            line=line,
        ) from None
    return memoryview(text.removeprefix("\ufeff").encode("utf-8"))


def _encoding_hint(data: bytes) -> str:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "use --encoding with the file's encoding, for example latin-1"
    return "it looks like Windows-1252: use --encoding cp1252"


_BINARY_SIGNATURES = [
    (b"PK\x03\x04", "a zip file such as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls)"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
]
# Bytes that text never holds: C0 controls but tab, line feed and carriage return.
_NON_TEXT = bytes(set(range(32)) - {9, 10, 13} | {127})


def _refuse_binary(data: bytes, encoding: str | None) -> None:
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise FileRefused(
                f"This is {what}, not a CSV file: save it as CSV UTF-8 "
                "(comma delimited) and import that.",
                line=1,
            )
    if encoding is not None or data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
    ):
        return
    # A stray NUL inside a value is reported on its row; a file full of them is
    # binary, or UTF-16 without a byte-order mark.
    head = data[:65536]
    nuls = head.count(0)
    if nuls and nuls * 20 > len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even * 10 <= odd:
            hint = "it looks like UTF-16 without a byte-order mark: use --encoding "
            hint += "utf-16-le"
        elif even > len(head) // 4 and odd * 10 <= even:
            hint = "it looks like UTF-16 without a byte-order mark: use --encoding "
            hint += "utf-16-be"
        else:
            hint = "it looks like a binary file, not CSV"
        line = data[: data.index(0)].count(b"\n") + 1
        raise FileRefused(f"This file contains NUL bytes; {hint}.", line=line)
    # Random bytes (an image, an archive) are about one in eight control bytes.
    if len(head) - len(head.translate(None, _NON_TEXT)) > len(head) // 50:
        raise FileRefused(
            "This looks like a binary file (an image, archive or program), not "
            "CSV: export the customers as CSV UTF-8 and import that.",
            line=1,
        )
