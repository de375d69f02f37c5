"""Errors of front-page imports and entry."""

from app.core.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable


class UploadNotFound(NotFound):
    code = "frontpage_upload_not_found"


class _Worded:
    """`code` per case and `params` that fill the screens' words (app.frontpage.refusals.FILE_MESSAGES); the
    English detail is for logs."""

    def __init__(self, detail: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(detail, code=code)  # type: ignore[call-arg]
        self.params = params


class FileTooLarge(_Worded, PayloadTooLarge):
    code = "frontpage_file_too_large"


class BadFile(_Worded, Unprocessable):
    """A file that is no table Folio reads: `code` says why (frontpage_empty, frontpage_old_xls, ...)."""

    code = "frontpage_bad_file"


class ImportRefused(_Worded, Unprocessable):
    """Some rows (or the mapping) are wrong: nothing was imported."""

    code = "frontpage_rows_refused"


class ReadingNotFound(NotFound):
    """No such front-page reading in the project, or no image area for the field asked for."""

    code = "frontpage_reading_not_found"


class WorkerDied(RuntimeError):
    """An OCR worker process died while reading (killed, out of memory); the pool has been rebuilt."""


class ReadingNotCurrent(Conflict):
    """The reading is no longer the record's current one (its front page was read again)."""

    code = "frontpage_reading_not_current"


class NotAMismatch(Unprocessable):
    """A field asked to be confirmed does not differ on the current reading (or is no field of the check)."""

    code = "frontpage_not_a_mismatch"


class AlreadyConfirmed(Conflict):
    """The difference has already been confirmed by a person (and the confirmation still holds)."""

    code = "frontpage_already_confirmed"


class NoteTooLong(Unprocessable):
    """A confirmation's note is longer than it may be (confirming.MAX_NOTE)."""

    code = "frontpage_note_too_long"


class ValuesChanged(Conflict):
    """A field's values (the record's, the page's reading) are no longer those the confirming screen showed."""

    code = "frontpage_values_changed"
