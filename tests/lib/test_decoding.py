"""customer_flow.lib.decoding: bytes to UTF-8, or a clear refusal. No database."""

from __future__ import annotations

import codecs
import random

import pytest

from customer_flow.lib.decoding import decode
from customer_flow.lib.row_errors import FileRefused


def refusal(data: bytes, **options) -> str:
    with pytest.raises(FileRefused) as refused:
        decode(data, **options)
    return str(refused.value.error)


def test_decode_failure_deep_in_a_large_file_names_its_line():
    data = b"ID,Name\n" + b"1,abc\n" * 300_000 + b"2,caf\xe9\n"
    assert refusal(data).startswith("line 300002: This file is not UTF-8")


def test_utf16_without_bom_gets_a_hint():
    assert "use --encoding utf-16-le" in refusal("ID,Name\n".encode("utf-16-le"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
        (b"%PDF-1.7\n", "PDF document"),
        (b"\x00\x01\x02\xff\x00\x00\x05" * 100, "binary file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG image"),
        (random.Random(1).randbytes(5000).replace(b"\0", b"\1"), "binary file"),
    ],
    ids=["xlsx", "pdf", "nul-bytes", "png", "random-bytes-without-nul"],
)
def test_binary_files_are_refused(data, message):
    assert message in refusal(data)


def test_unknown_encoding_is_refused():
    assert "Unknown encoding 'klingon'" in refusal(b"ID\n", encoding="klingon")


def test_decode_returns_utf8_without_the_bom():
    assert bytes(decode(codecs.BOM_UTF8 + b"ID")) == b"ID"
    assert bytes(decode("ID".encode("utf-16"))) == b"ID"
