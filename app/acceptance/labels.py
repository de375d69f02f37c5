"""What acceptance shows for its codes: statuses, defects, front-page fields, thirds, errors (gettext msgids)."""

from app.core.i18n import coded_error
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
    "records_not_ready": N_(
        "Some records of the lot are not finished or still have pages failing QC: %(records)s. Finish them and "
        "re-shoot their failing pages first."
    ),
    "bad_seed": N_("The seed must be 1 to 200 characters."),
    "bad_period": N_("The period must end today or earlier."),
    "bad_scheme": N_("This sampling scheme is not known: choose flat or ISO 2859-1."),
    "bad_aql": N_("ISO 2859-1 sampling needs one of its tabulated AQL values: set it in the contract terms."),
    "lot_not_found": N_("There is no such lot, or the record has no sampled page in it."),
    "item_not_found": N_("This round has no such sampled page."),
    "pdf_unavailable": N_("The PDF cannot be made on this server: print the report from the browser instead."),
    "bad_verdict": N_("The verdict is incomplete."),
    # BadVerdict reasons (app/acceptance/review.py): the API's code stays bad_verdict
    "verdict_pass_or_fail": N_("The verdict is pass or fail."),
    "defect_unknown": N_("Unknown defect codes: %(codes)s."),
    "defects_on_pass": N_("A passed page has no defects: untick them, or fail the page."),
    "defect_missing": N_("Tick at least one defect of a failed page."),
    "note_required": N_("Describe the defect in a note when it is 'other'."),
    "note_too_long": N_("The note is longer than %(max)s characters."),
    "record_not_sampled": N_("This record has no sampled page in round %(round)s."),
    "fields_unmarked": N_("Mark each front-page field right or wrong."),
    "paper_pages_range": N_("The paper page count is a number of pages, from 0 to 100000."),
}


def error_message(gettext, exc) -> str:  # noqa: ANN001
    """A refused acceptance action in the reader's language with its code (a refused verdict by its `reason`),
    the words filled with the error's `params`; never the server's English detail (app.core.i18n.coded_error)."""
    code = getattr(exc, "reason", None) or exc.code
    return coded_error(gettext, ERROR_MESSAGES, code, exc.detail, getattr(exc, "params", {}))


def status_label(code: str) -> str:
    """The msgid of a lot status."""
    return STATUS_LABELS.get(code, code)


def defect_label(code: str) -> str:
    """The msgid of a defect code."""
    return DEFECT_LABELS.get(code, code)
