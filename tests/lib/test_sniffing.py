import pytest

from customer_flow.lib.sniffing import OCTET_STREAM, servable_type, sniff


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"hello, plain text\nline two", "text/plain"),
        ("naïve café".encode(), "text/plain"),
        (b"\x00\x01\x02binary", OCTET_STREAM),
        (b"MZ\x90\x00", "application/x-msdownload"),
    ],
)
def test_types_come_from_the_bytes(data, expected):
    assert sniff(data, "whatever.txt") == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body>hi</body></html>",
        b"  <script>alert(1)</script>",
        b"\xef\xbb\xbf<HTML>",
        b"<iframe src=x>",
    ],
)
def test_markup_is_recognised_whatever_the_name(data):
    assert sniff(data, "photo.jpg") == "text/html"
    assert servable_type(sniff(data)) == OCTET_STREAM


def test_svg_is_recognised_and_never_served_as_svg():
    data = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/>'
    assert sniff(data, "logo.png") == "image/svg+xml"
    assert servable_type("image/svg+xml") == OCTET_STREAM


def test_office_files_are_told_apart_by_their_extension():
    zipped = b"PK\x03\x04rest"
    assert sniff(zipped, "a.docx").endswith("wordprocessingml.document")
    assert sniff(zipped, "a.zip") == "application/zip"
    assert sniff(zipped, "a.html") == "application/zip"


def test_a_multibyte_character_cut_at_the_sample_end_is_still_text():
    data = ("é" * 1023).encode() + "é".encode()[:1] + b"x" * 10
    assert sniff(data[:2048]) == "text/plain"
