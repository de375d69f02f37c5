"""What the error page says for any code the server raises, in the reader's language: the page's own explanations
(app.navigation.ERROR_EXPLANATIONS), the words each feature's screens use for its codes, the codes no screen words,
and, last, words for the answer's HTTP status. The server's English detail is never shown (it is in the log)."""

from collections.abc import Callable

from app.navigation import ERROR_EXPLANATIONS, N_

# Codes that no screen words (their refusals reach only the error page or the JSON API).
MORE_EXPLANATIONS = {
    "bad_request": N_("The request was not understood. Go back and try again."),
    "invalid": N_("Something entered is not valid. Go back, correct it and try again."),
    "conflict": N_("This conflicts with the current state. Reload the page and try again."),
    "unauthorized": N_("Sign in first: your session is missing or has expired."),
    "not_signed_in": N_("Sign in first: your session is missing or has expired."),
    "second_factor_required": N_("Enter the code of your authenticator app first."),
    "bad_credentials": N_("The user name or the password is wrong."),
    "bad_second_factor": N_("The code of the authenticator app is wrong or has expired."),
    "bad_station_token": N_("This capture station is not registered, or its token was revoked."),
    "operator_session_expired": N_("The operator's session at the station has expired: sign in at the station again."),
    "user_not_found": N_("There is no such user in this project."),
    "username_taken": N_("This user name is taken: choose another."),
    "weak_password": N_("The password is too weak: choose a longer one, not a common password or the user name."),
    "enrolment_link_invalid": N_(
        "This enrolment link cannot be used: it was used already, has expired or was replaced. Ask for a new one."
    ),
    "passwords_differ": N_("The two passwords differ: type the same password twice."),
    "cannot_disable_self": N_("You cannot disable your own account: ask another administrator."),
    "grant_refused": N_("This duty cannot be granted to this user."),
    "grant_not_confirmed": N_("The grant has not been confirmed by the second person yet."),
    "disable_refused": N_(
        "A hospital-side account is disabled by the hospital or at the server's console, not by the vendor side or "
        "the system administrator."
    ),
    "audit_key": N_("The audit trail's signing key is missing or wrong: tell your administrator."),
    "bad_invoice": N_("The invoice is not valid: check its month, amount and number."),
    "bad_month": N_("Give the month as YYYY-MM, not in the future."),
    "bad_payment": N_("The payment is not valid: check its date and amount."),
    "duplicate_invoice": N_("An invoice for this month exists already."),
    "payable_not_found": N_("There is no such amount due in this project."),
    "payment_not_found": N_("There is no such payment in this project."),
    "bad_label_request": N_("The labels asked for are not valid: check the range and the count."),
    "label_error": N_("The labels cannot be made as asked."),
    "no_such_label_part": N_("There is no such part of a label."),
    "nothing_to_print": N_("There is nothing to print."),
    "pdf_unavailable": N_("The PDF cannot be made on this server: print the page from the browser instead."),
    "bad_record_identity": N_("The MRN or the visit number is not valid."),
    "barcode_in_use": N_("This barcode is used by another record already."),
    "operation_key_reused": N_("This operation was sent before with other content: nothing was changed."),
    "record_not_found": N_("There is no such record in this project."),
    "page_number_not_found": N_("The record has no page with this number."),
    "page_not_found": N_("There is no such page in this project."),
    "image_missing": N_("The image file is missing from the image store: tell your administrator."),
    "page_has_good_image": N_("This page has a good image already."),
    "idempotency_key_reused": N_("This upload was sent before with other content: nothing was changed."),
    "empty_file": N_("The file is empty."),
    "too_large": N_("The file or the request is too large."),
    "decoded_too_large": N_("The image is too large once decoded."),
    "too_many_pixels": N_("The image has too many pixels."),
    "image_truncated": N_("The image file is cut short: send it again."),
    "undecodable_image": N_("The image cannot be decoded: send it again, as JPEG, PNG or TIFF."),
    "unsupported_image_variant": N_("This kind of image is not supported: send JPEG, PNG or TIFF."),
    "unsupported_media_type": N_("This type of file is not supported."),
    "multi_page_image": N_("The image has several pages: send one image per page."),
    "heartbeat_too_soon": N_("The station reported too soon after its last report."),
    "erasure_refused": N_("The data cannot be erased yet: the conditions of the end of the project are not met."),
    "export_not_found": N_("There is no such export in this project."),
    "export_refused": N_("The export cannot be made as asked."),
    "export_state": N_("The export is not in the state this action needs. Reload its page."),
    "bad_naming": N_("The segment list or the naming template is not valid."),
    "bad_segment": N_("The segment correction is not valid."),
    "handover_not_found": N_("There is no such handover batch in this project."),
    "handover_refused": N_("The handover batch cannot be written as given."),
    "handover_state": N_("The handover batch is not in the state this action needs. Reload its page."),
    "location_not_found": N_("There is no such shelf or box in this project."),
    "location_refused": N_("The shelf, box or packing scan was refused."),
    "record_not_checked_out": N_("The record is not checked out."),
    "bad_term": N_("A contract term is not valid."),
    "frontpage_reading_not_found": N_("There is no such front-page reading in this project."),
    "frontpage_upload_not_found": N_("This upload does not exist: it may have been imported already."),
    "approval_not_found": N_("There is no such request for approval."),
    "signin_restart": N_("Too many wrong codes: sign in again from the start."),
    "project_exists": N_("A project with this code exists already."),
    "project_not_found": N_("There is no such project."),
    "delivery_not_found": N_("There is no such delivery in this project."),
    "certificate_not_found": N_("There is no such erasure certificate in this project."),
    "handover_required": N_("Choose the handover batch whose records to label."),
    "override_not_found": N_("There is no such calendar change in this project."),
    "captured_at_out_of_range": N_("The capture time is not plausible: check the station's clock."),
    "idempotency_key_required": N_("The upload needs an idempotency key of 8 to 80 characters."),
    "bad_filename": N_("The file name must be a plain name, without folders."),
    "method_not_allowed": N_("This address is not used this way. Go back and use the page's links and buttons."),
}

# Last: words for the answer's status, so that no code is left to the server's English.
STATUS_EXPLANATIONS = {
    400: MORE_EXPLANATIONS["bad_request"],
    401: MORE_EXPLANATIONS["unauthorized"],
    403: ERROR_EXPLANATIONS["forbidden"],
    404: ERROR_EXPLANATIONS["not_found"],
    405: MORE_EXPLANATIONS["method_not_allowed"],
    409: MORE_EXPLANATIONS["conflict"],
    413: MORE_EXPLANATIONS["too_large"],
    415: MORE_EXPLANATIONS["unsupported_media_type"],
    422: MORE_EXPLANATIONS["invalid"],
    429: ERROR_EXPLANATIONS["too_many_attempts"],
}
OTHER = N_("The server could not do this. Tell your administrator the error code.")


def word_lists() -> list[dict[str, str]]:
    """Every dictionary of code → msgid the error page may use, the page's own first."""
    from app.acceptance.labels import ERROR_MESSAGES as acceptance
    from app.custody.labels import HANDOVER_MESSAGES, LOCATION_MESSAGES
    from app.delivery.failures import FAILURE_MESSAGES
    from app.delivery.labels import NAMING_MESSAGES, REFUSAL_MESSAGES, STATE_MESSAGES
    from app.frontpage.refusals import FILE_MESSAGES
    from app.inspection.labels import ERROR_MESSAGES as inspection
    from app.projects.views import TERM_ERRORS

    return [
        ERROR_EXPLANATIONS,
        MORE_EXPLANATIONS,
        acceptance,
        inspection,
        FILE_MESSAGES,
        REFUSAL_MESSAGES,
        STATE_MESSAGES,
        NAMING_MESSAGES,
        FAILURE_MESSAGES,
        HANDOVER_MESSAGES,
        LOCATION_MESSAGES,
        TERM_ERRORS,
    ]


def explanation(gettext: Callable[[str], str], code: str, status: int, params: dict) -> str:
    """The error page's sentence for `code` in the reader's language, filled with the error's params; words that
    need params the error lacks give way to the status's words."""
    for words in word_lists():
        if code in words:
            try:
                return gettext(words[code]) % params
            except (KeyError, TypeError, ValueError):
                break
    return gettext(STATUS_EXPLANATIONS.get(status, OTHER))
