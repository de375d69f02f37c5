"""What the custody screens call things (gettext msgids, translated where shown)."""

from app.core.i18n import coded_error
from app.navigation import N_

PROBLEM_LABELS = {
    "already_out": N_("already out on another check-out"),
    "pending_out": N_("on a check-out still waiting for confirmation"),
    "already_returned": N_("returned already"),
    "not_checked_out": N_("never checked out"),
    "unknown_code": N_("not a record barcode of this project (or 'MRN visit')"),
    "scanned_twice": N_("scanned twice in this batch"),
    "bad_condition": N_("unknown condition"),
    "note_required": N_("a fragile or damaged record needs a note"),
    "note_too_long": N_("the note is too long"),
    "empty_box": N_("the box holds no record that is out"),
    "condition_unconfirmed": N_("confirm this record's condition"),
}
STATE_LABELS = {
    "in": N_("In the records room"),
    "pending_out": N_("Check-out awaiting confirmation"),
    "out": N_("Out with the vendor"),
}
CONDITION_LABELS = {"normal": N_("Normal"), "fragile": N_("Fragile"), "damaged": N_("Damaged")}
KIND_LABELS = {"checkout": N_("Check-out"), "return": N_("Return")}
STATUS_LABELS = {"pending": N_("Waiting for confirmation"), "confirmed": N_("Confirmed"), "cancelled": N_("Withdrawn")}
EVENT_LABELS = {
    "checkout": N_("Checked out"),
    "return": N_("Returned"),
    "confirm": N_("Confirmed"),
    "pack": N_("Packed into box"),
    "shelve": N_("Box placed on shelf"),
}
SCAN_MESSAGES = {
    "box_open": N_("Box %(box)s is open (%(n)s records in it): scan records to pack them, or a shelf to place it."),
    "packed": N_("%(record)s packed into box %(box)s (%(n)s records in it now)."),
    "moved": N_("%(record)s moved from box %(from)s into box %(box)s."),
    "already_in_box": N_("%(record)s is already in box %(box)s."),
    "shelved": N_("Box %(box)s placed on shelf %(shelf)s %(place)s."),
    "need_box": N_("Scan a box first (%(code)s was not packed)."),
    "unknown": N_("%(code)s is not a box, shelf or record of this project."),
    "refused": N_("%(record)s cannot be packed: %(detail)s"),  # detail: LOCATION_MESSAGES[values["reason"]]
}
RECORD_STATUS = {"registered": N_("Not captured yet"), "capturing": N_("Capturing"), "finished": N_("Captured")}

# HandoverRefused and HandoverStateError codes (app/custody/handovers.py, policy.py), filled with their params.
HANDOVER_MESSAGES = {
    "counterpart_missing": N_("Choose the vendor's person who signs for this batch."),
    "unknown_handover_kind": N_("A batch is a check-out or a return."),
    "nothing_scanned": N_("Scan at least one record."),
    "batch_too_large": N_("A batch holds at most %(max)s lines: split it in two."),
    "counterpart_self": N_("The other side of a handover must be another person."),
    "lines_refused": N_("%(n)s scanned lines cannot be handed over (see below); nothing was written."),
    "count_differs": N_("The count on paper (%(declared)s) differs from the %(n)s records scanned: count again."),
    "count_missing": N_("Enter the count on paper: %(n)s records were scanned."),
    "condition_unconfirmed": N_("Confirm the condition of each of the %(n)s fragile or damaged records first."),
    "handover_not_pending": N_("This batch is no longer waiting for confirmation."),
    "not_counterpart": N_("Only the person named as the vendor's side may confirm this batch."),
    "not_author": N_("Only the person who wrote this batch may withdraw it."),
    "overdue_days_range": N_("The warning limit is a number of days from 1 to 3650."),
}


def handover_message(gettext, exc) -> str:  # noqa: ANN001
    """A refused batch or custody setting (HandoverRefused, HandoverStateError) in the reader's language with its
    error code; the server's English detail only for a code without words (a test keeps that from happening)."""
    return coded_error(gettext, HANDOVER_MESSAGES, exc.code, exc.detail, getattr(exc, "params", {}))


# LocationError codes (app/custody/locations.py, location_views.py); the packing ones complete SCAN_MESSAGES["refused"].
LOCATION_MESSAGES = {
    "bad_barcode": N_("The barcode %(code_text)s must be 1 to 64 letters, digits, - _ / . or spaces."),
    "barcode_taken": N_("The barcode %(code_text)s is already used by a box, shelf or record."),
    "no_boxes": N_("Give at least one box barcode."),
    "box_twice": N_("A box barcode is listed twice."),
    "barcodes_taken": N_("Already in use: %(codes)s."),
    "bad_box_range": N_("Give the first and last numbers and a width from 1 to 8."),
    "box_range": N_("Give a range of 1 to 1000 numbers, the first not above the last."),
    "never_checked_out": N_("it has never been checked out, so there is nothing to pack"),
    "checkout_pending": N_("its check-out is still waiting for the vendor's confirmation"),
}


def location_message(gettext, exc) -> str:  # noqa: ANN001
    """A refused shelf or box registration (LocationError) in the reader's language with its error code."""
    return coded_error(gettext, LOCATION_MESSAGES, exc.code, exc.detail, getattr(exc, "params", {}))


def scan_values(outcome, gettext) -> dict:  # noqa: ANN001
    """The values of a packing scan's message (SCAN_MESSAGES), a refusal's reason put in the reader's words."""
    if outcome.message != "refused":
        return outcome.values
    reason = outcome.values.get("reason", "")
    words = gettext(LOCATION_MESSAGES[reason]) if reason in LOCATION_MESSAGES else reason
    return {**outcome.values, "detail": words}
