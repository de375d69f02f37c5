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
    """Records of a lot to apply for again are not finished: `params` names them (records, up to 10; more)."""

    code = "records_not_ready"

    def __init__(self, detail: str, **params: object) -> None:
        super().__init__(detail)
        self.params = params


class BadVerdict(Unprocessable):
    """A verdict refused: the API's code stays bad_verdict; `reason` names the case (its words in
    app.acceptance.labels.ERROR_MESSAGES) and `params` fill them."""

    code = "bad_verdict"

    def __init__(self, detail: str, *, reason: str, **params: object) -> None:
        super().__init__(detail)
        self.reason = reason
        self.params = params


class BadSeed(Unprocessable):
    code = "bad_seed"
