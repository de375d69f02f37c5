"""Errors of segments, naming and delivery exports."""

from app.core.errors import Conflict, NotFound, Unprocessable


class BadNaming(Unprocessable):
    code = "bad_naming"


class BadSegment(Unprocessable):
    code = "bad_segment"


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportRefused(Unprocessable):
    code = "export_refused"


class ExportStateError(Conflict):
    code = "export_state"
