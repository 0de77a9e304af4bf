"""What a file is, from its first bytes rather than its name or declared type."""

from __future__ import annotations

import re

OCTET_STREAM = "application/octet-stream"
# Signatures at offset 0, longest first where one is a prefix of another.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"%!PS", "application/postscript"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
)
# Markup a browser would run if it ever rendered the file.
_MARKUP = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|\?xml|meta|object"
    rb"|embed|a\s|img\s|div|style|title|form)",
    re.IGNORECASE,
)
_OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Types served with their own Content-Type (always as a download); anything else
# goes out as application/octet-stream.
SERVABLE = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "application/zip",
    *_OOXML.values(),
}


def sniff(data: bytes, filename: str = "") -> str:
    """The content type of ``data`` judged by its bytes (the name only tells
    apart the zip-based office formats). Markup is reported as text/html or
    image/svg+xml so that it is never served as what it claims to be."""
    head = data[:2048]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in _MAGIC:
        if head.startswith(signature):
            if content_type == "application/zip":
                extension = filename.rpartition(".")[2].lower()
                return _OOXML.get(extension, content_type)
            return content_type
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _MARKUP.search(stripped[:1024]):
        return "image/svg+xml" if b"<svg" in stripped.lower() else "text/html"
    if b"\x00" in head:
        return OCTET_STREAM
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multibyte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            return OCTET_STREAM
    return "text/plain"


def servable_type(content_type: str) -> str:
    """The Content-Type to serve a stored file with: its own when harmless."""
    return content_type if content_type in SERVABLE else OCTET_STREAM
