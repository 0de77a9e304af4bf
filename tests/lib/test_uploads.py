"""customer_flow/lib/uploads.py: the limit holds while the upload is read."""

from __future__ import annotations

import io

from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser

from customer_flow.lib.uploads import FORM_OVERHEAD, LimitedUploadHandler

BOUNDARY = "----cfboundary"


def _parse(content: bytes, *, limit: int, announced: int | None = None):
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="mode"\r\n\r\n'
            "skip_invalid\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="id.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(announced if announced is not None else len(body)),
    }
    limited = LimitedUploadHandler(limit=limit)
    handlers = [limited, MemoryFileUploadHandler()]
    post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    return limited, post, files


def test_a_file_within_the_limit_is_stored_whole():
    limited, post, files = _parse(b"ID,Name,Email\n1,Ada,ada@example.com\n", limit=100)
    assert not limited.too_large
    assert post["mode"] == "skip_invalid"
    assert files["file"].read() == b"ID,Name,Email\n1,Ada,ada@example.com\n"


def test_a_file_growing_past_the_limit_is_dropped_and_flagged():
    limited, post, files = _parse(b"x" * 5000, limit=1000)
    assert limited.too_large
    assert post["mode"] == "skip_invalid"  # the fields before the file still arrive
    assert "file" not in files


def test_a_request_announcing_more_than_the_limit_stops_at_the_file():
    limited, post, files = _parse(
        b"small", limit=1000, announced=1000 + FORM_OVERHEAD + 1
    )
    assert limited.too_large
    assert post["mode"] == "skip_invalid"
    assert "file" not in files
