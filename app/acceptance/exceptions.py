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
    code = "records_not_ready"


class BadVerdict(Unprocessable):
    code = "bad_verdict"


class BadSeed(Unprocessable):
    code = "bad_seed"
