"""Errors of the vendor's QC (stable codes; the views translate them)."""

from app.core.errors import Conflict, NotFound, Unprocessable


class ItemNotFound(NotFound):
    code = "inspection_item_not_found"


class TaskNotFound(NotFound):
    code = "reshoot_task_not_found"


class OperatorNotFound(NotFound):
    code = "operator_not_found"


class BadFlag(Unprocessable):
    code = "bad_defect"


class BadRate(Unprocessable):
    code = "bad_rate"


class ImageSuperseded(Conflict):
    code = "image_superseded"


class AlreadyInspected(Conflict):
    code = "already_inspected"


class AlreadyFlagged(Conflict):
    code = "already_flagged"


class ClaimedByOther(Conflict):
    code = "claimed_by_other"


class PageHasOpenTask(Conflict):
    code = "page_has_open_task"


class RecordInLot(Conflict):
    """The page's record is in an acceptance lot (its manifest frozen): the vendor corrects it through the
    acceptance process, not with a re-shoot task. `params` names the lot for the screen's words."""

    code = "record_in_lot"

    def __init__(self, detail: str, *, lot: int) -> None:
        super().__init__(detail)
        self.params = {"lot": lot}
