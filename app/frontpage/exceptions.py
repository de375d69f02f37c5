"""Errors of front-page imports and entry."""

from app.core.errors import NotFound, PayloadTooLarge, Unprocessable


class UploadNotFound(NotFound):
    code = "frontpage_upload_not_found"


class FileTooLarge(PayloadTooLarge):
    code = "frontpage_file_too_large"


class BadFile(Unprocessable):
    code = "frontpage_bad_file"


class ImportRefused(Unprocessable):
    """Some rows (or the mapping) are wrong: nothing was imported."""

    code = "frontpage_rows_refused"


class ReadingNotFound(NotFound):
    """No such front-page reading in the project, or no image area for the field asked for."""

    code = "frontpage_reading_not_found"


class WorkerDied(RuntimeError):
    """An OCR worker process died while reading (killed, out of memory); the pool has been rebuilt."""
