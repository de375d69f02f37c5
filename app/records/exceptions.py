"""Errors about paper records."""

from app.core.errors import NotFound, Unprocessable


class RecordNotFound(NotFound):
    code = "record_not_found"


class BadRecordIdentity(Unprocessable):
    code = "bad_record_identity"
