"""What acceptance shows for its codes: statuses, defects, front-page fields, thirds, errors (gettext msgids)."""

from app.navigation import N_, NC_

STATUS_LABELS = {
    "applied": N_("Applied, waiting for the seed"),
    "in_review": N_("Under review"),
    "accepted": N_("Accepted"),
    "correcting": N_("Rejected, in correction"),
    "deemed_accepted": N_("Deemed accepted"),
}

KIND_LABELS = {"regular": N_("Regular cycle"), "termination": N_("Termination")}

DEFECT_LABELS = {
    "blurred": N_("Blurred"),
    "skewed": N_("Skewed"),
    "cut_off": N_("Cut off"),
    "missing_page": N_("Missing page"),
    "extra_page": N_("Extra or duplicate page"),
    "wrong_order": N_("Wrong order"),
    "mismatch": N_("Does not match the paper"),
    "wrong_naming": N_("Wrong naming or segment"),
    "other": N_("Other (note)"),
}

FIELD_LABELS = {
    "name_ok": N_("Patient name"),
    "mrn_ok": N_("MRN"),
    "discharge_date_ok": N_("Discharge date"),
    "diagnosis_ok": N_("Main diagnosis"),
    "operation_ok": N_("Operation or procedure"),
}
FIELD_LABELS_SHORT = {k.removesuffix("_ok"): v for k, v in FIELD_LABELS.items()}

THIRD_LABELS = {
    "front": NC_("sample third", "Front"),
    "middle": NC_("sample third", "Middle"),
    "back": NC_("sample third", "Back"),
}
THIRD_BY_INDEX = (THIRD_LABELS["front"], THIRD_LABELS["middle"], THIRD_LABELS["back"])

HELD_BACK_LABELS = {
    "failed_qc": N_("a current page failed QC: re-shoot it"),
    "no_image": N_("a page has no image"),
    "no_pages": N_("no page captured"),
    "other": N_("held back by another check"),
}

ERROR_MESSAGES = {
    "nothing_to_accept": N_("No finished record with every page passing QC is waiting for acceptance."),
    "lot_state": N_("The lot is not at the step this action belongs to."),
    "review_deadline_passed": N_("The review deadline has passed: the lot is deemed accepted."),
    "review_incomplete": N_("The review is not finished: every sampled page and record must be checked first."),
    "records_not_ready": N_("Some records of the lot are not finished or still have pages failing QC:"),
    "bad_seed": N_("The seed must be 1 to 200 characters."),
    "bad_period": N_("The period must end today or earlier."),
    "bad_verdict": N_("The verdict is incomplete:"),
}


# What follows "The verdict is incomplete:" for each BadVerdict reason (app/acceptance/review.py).
VERDICT_REASONS = {
    "verdict_value": N_("choose pass or fail."),
    "unknown_defects": N_("these defect codes are unknown: %(codes)s."),
    "pass_with_defects": N_("a passed page has no defects ticked."),
    "fail_without_defect": N_("tick at least one defect of a failed page."),
    "other_needs_note": N_("describe the defect in a note when it is 'other'."),
    "note_too_long": N_("the note is longer than %(max)s characters."),
    "record_not_sampled": N_("this record has no sampled page in this round."),
    "fields_unmarked": N_("mark each front-page field right or wrong."),
    "paper_pages": N_("the paper page count is a number of pages."),
}


def status_label(code: str) -> str:
    """The msgid of a lot status."""
    return STATUS_LABELS.get(code, code)


def defect_label(code: str) -> str:
    """The msgid of a defect code."""
    return DEFECT_LABELS.get(code, code)
