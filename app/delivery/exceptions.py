"""Errors of segments, naming and delivery exports."""

from app.core.errors import Conflict, NotFound, Unprocessable


class BadNaming(Unprocessable):
    code = "bad_naming"


class BadSegment(Unprocessable):
    code = "bad_segment"


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportRefused(Unprocessable):
    """A delivery export that cannot be filed; `path` names the folder the reason is about, if any."""

    code = "export_refused"

    def __init__(self, detail: str, *, code: str | None = None, path: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.path = path


class ExportStateError(Conflict):
    code = "export_state"
