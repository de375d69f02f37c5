"""Errors about paper records."""

from app.core.errors import Conflict, NotFound, Unprocessable


class RecordNotFound(NotFound):
    code = "record_not_found"


class BadRecordIdentity(Unprocessable):
    code = "bad_record_identity"


class PageNumberNotFound(NotFound):
    code = "page_number_not_found"


class OperationKeyReused(Conflict):
    code = "operation_key_reused"


class BarcodeInUse(Conflict):
    code = "barcode_in_use"
