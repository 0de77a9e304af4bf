"""Attachment uploads refused by size while they are read, not after."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Room for the form's other fields and the multipart boundaries around the files.
FORM_OVERHEAD = 256 * 1024


class AttachmentLimitHandler(FileUploadHandler):
    """Stops at the first file over ``per_file`` bytes, or when all files
    together pass ``per_message``; ``refused`` then says which, in words.

    A request announcing a larger body than the message limit is refused at its
    first file without storing a byte of it. The rest of the body is read and
    dropped (``connection_reset=False``) so the person gets the form back with
    the reason. Put it first in ``request.upload_handlers`` before anything reads
    ``request.POST`` (the CSRF check does).
    """

    def __init__(
        self, request: HttpRequest | None = None, *, per_file: int, per_message: int
    ) -> None:
        super().__init__(request)
        self.per_file = per_file
        self.per_message = per_message
        self.total = 0
        self.refused = ""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's parameter name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.per_message + FORM_OVERHEAD:
            self.refused = _too_big("The attachments together are", self.per_message)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.refused:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        if start + len(raw_data) > self.per_file:
            self.refused = _too_big(f"“{self.file_name}” is", self.per_file)
        elif self.total > self.per_message:
            self.refused = _too_big("The attachments together are", self.per_message)
        if self.refused:
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def _too_big(what: str, limit: int) -> str:
    return f"{what} larger than {limit / 1024 / 1024:g} MB: nothing was saved."
