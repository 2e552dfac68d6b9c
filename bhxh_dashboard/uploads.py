"""Uploads stop at a size limit while they are read, not after they were written out in full.

Django writes an upload to memory or a temporary file before a view can look at its size; this
handler, first in FILE_UPLOAD_HANDLERS, counts the bytes as they arrive and stops passing them
on past MAX_UPLOAD_BYTES, so no larger file reaches memory or disk. The request is marked, and the
page says the file is too large (the form's other fields, read before the file, stay intact).
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def upload_too_large(request: HttpRequest) -> bool:
    """True when an upload of this request was cut off at MAX_UPLOAD_BYTES."""
    return bool(getattr(request, "upload_too_large", False))


class UploadLimitHandler(FileUploadHandler):
    """Passes an upload's chunks on to the next handlers until MAX_UPLOAD_BYTES, then stops."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_UPLOAD_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            # The rest of the body is read and dropped (a reverse proxy's body limit refuses
            # larger ones before they get here), so the browser gets the page, not a reset.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
