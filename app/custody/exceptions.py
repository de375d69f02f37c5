"""Errors of custody: handovers, boxes, shelves and the check-out rule of capture."""

from app.core.errors import Conflict, NotFound, Unprocessable


class RecordNotCheckedOut(Conflict):
    """Capture refused: the project requires the record's paper to be checked out to the vendor first."""

    code = "record_not_checked_out"


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class HandoverRefused(Unprocessable):
    """A batch (or a custody setting) that cannot be written as given; `problems` lists each bad line. `code` names
    the reason and `params` fill the screen's words (app.custody.labels.HANDOVER_MESSAGES)."""

    code = "handover_refused"

    def __init__(self, detail: str, problems: list | None = None, *, code: str | None = None, **params: object) -> None:
        super().__init__(detail, code=code)
        self.problems = problems or []
        self.params = params


class HandoverStateError(Conflict):
    """A batch not in the state, or not of the person, an action needs: `code` per case, `params` for the screen's
    words (app.custody.labels.HANDOVER_MESSAGES)."""

    code = "handover_state"

    def __init__(self, detail: str, *, code: str, **params: object) -> None:
        super().__init__(detail, code=code)
        self.params = params


class LocationError(Unprocessable):
    """A shelf, box or packing scan refused: `code` per reason, `params` for the screen's words
    (app.custody.labels.LOCATION_MESSAGES)."""

    code = "location_refused"

    def __init__(self, detail: str, *, code: str, **params: object) -> None:
        super().__init__(detail, code=code)
        self.params = params


class LocationNotFound(NotFound):
    code = "location_not_found"
