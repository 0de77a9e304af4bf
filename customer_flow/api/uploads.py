"""A file sent as the whole request body (``curl --data-binary @id.csv``),
stored in a temporary file and counted while it is read."""

from __future__ import annotations

import tempfile

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

CHUNK = 64 * 1024


class RawUploadTooLarge(Exception):
    """The body is larger than the endpoint takes."""


def raw_upload(request: HttpRequest, *, limit: int, name: str) -> UploadedFile | None:
    """The body as an uploaded file named ``name``; None for an empty body.
    Raises ``RawUploadTooLarge`` past ``limit`` bytes (announced or counted)."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > limit:
        raise RawUploadTooLarge
    file = tempfile.SpooledTemporaryFile(max_size=CHUNK * 16)
    size = 0
    while chunk := request.read(CHUNK):
        size += len(chunk)
        if size > limit:
            file.close()
            raise RawUploadTooLarge
        file.write(chunk)
    if size == 0:
        file.close()
        return None
    file.seek(0)
    return UploadedFile(file, name=name[:255], content_type="text/csv", size=size)
