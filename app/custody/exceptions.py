"""Errors of custody: handovers, boxes, shelves and the check-out rule of capture."""

from app.core.errors import Conflict, NotFound, Unprocessable


class RecordNotCheckedOut(Conflict):
    """Capture refused: the project requires the record's paper to be checked out to the vendor first."""

    code = "record_not_checked_out"


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class HandoverRefused(Unprocessable):
    """A batch that cannot be written as scanned; `problems` lists each bad line."""

    code = "handover_refused"

    def __init__(self, detail: str, problems: list | None = None) -> None:
        super().__init__(detail)
        self.problems = problems or []


class HandoverStateError(Conflict):
    code = "handover_state"


class LocationError(Unprocessable):
    code = "location_refused"


class LocationNotFound(NotFound):
    code = "location_not_found"
