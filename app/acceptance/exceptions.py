"""Errors of acceptance: lots, draws, reviews and decisions."""

from app.core.errors import Conflict, NotFound, Unprocessable


class LotNotFound(NotFound):
    code = "lot_not_found"


class NothingToAccept(Conflict):
    code = "nothing_to_accept"


class LotStateError(Conflict):
    code = "lot_state"


class ReviewDeadlinePassed(Conflict):
    code = "review_deadline_passed"


class ReviewIncomplete(Conflict):
    code = "review_incomplete"


class RecordsNotReady(Conflict):
    """Records of a corrected lot that are not ready; `params["records"]` lists them ("M1/1, M2/1 …")."""

    code = "records_not_ready"

    def __init__(self, detail: str, *, records: str) -> None:
        super().__init__(detail)
        self.params = {"records": records}


class BadVerdict(Unprocessable):
    """An incomplete or inconsistent verdict; the code stays bad_verdict for API clients, `params["reason"]` says
    which rule (app.acceptance.labels.VERDICT_REASONS) with its values."""

    code = "bad_verdict"

    def __init__(self, detail: str, *, reason: str, **params: object) -> None:
        super().__init__(detail)
        self.params = {"reason": reason, **params}


class BadSeed(Unprocessable):
    code = "bad_seed"
