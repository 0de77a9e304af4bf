"""Uploads with a size limit that is enforced while reading, not afterwards."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Stops storing an upload past ``limit`` bytes and sets ``too_large``.

    A request announcing a larger body stops at its first file; one that grows
    past the limit (a missing or wrong Content-Length) stops there. Either way
    the rest of the request is read and dropped, not stored, so the person gets
    the form back with an explanation instead of a reset connection. Put it first
    in ``request.upload_handlers``, before the CSRF check reads the form (see
    ``customers.import_views.batch_upload``).
    """

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit + FORM_OVERHEAD:
            self.too_large = True
        return None  # parse the form's fields; stop at the file (new_file)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file
