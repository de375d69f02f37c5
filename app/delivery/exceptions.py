"""Errors of segments, naming and delivery exports."""

from app.core.errors import Conflict, NotFound, Unprocessable


class BadNaming(Unprocessable):
    """A segment list or naming template refused: `code` names the reason (app.delivery.naming.NamingError's),
    `params` fill the screen's words (app.delivery.labels.NAMING_MESSAGES)."""

    code = "bad_naming"

    def __init__(self, detail: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(detail, code=code)
        self.params = params


class BadSegment(Unprocessable):
    """Pages that cannot be put into a segment: `code` names the reason (segment_unknown, pages_not_in_record,
    pages_missing), `params` fill the screen's words (app.delivery.labels.NAMING_MESSAGES)."""

    code = "bad_segment"

    def __init__(self, detail: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(detail, code=code)
        self.params = params


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportRefused(Unprocessable):
    """A delivery export that cannot be filed; `path` names the folder the reason is about, if any."""

    code = "export_refused"

    def __init__(self, detail: str, *, code: str | None = None, path: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.path = path


class ExportStateError(Conflict):
    """An export not in the state an action needs. Each case has its own stable code (export_started,
    approval_other_export, nothing_left_out, receipt_confirmed) and `params` for the screen's words
    (app.delivery.labels.DELIVERY_ERRORS); `detail` is the English for logs and API clients."""

    code = "export_state"

    def __init__(self, detail: str, *, code: str, **params: object) -> None:
        super().__init__(detail, code=code)
        self.params = params
