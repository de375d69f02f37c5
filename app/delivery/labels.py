"""What the delivery screens call an export's status and why an export is refused (gettext msgids)."""

from app.core.i18n import coded_error
from app.navigation import N_, NC_

EXPORT_STATUS = {
    "awaiting_approval": N_("Waiting for approval"),
    "queued": N_("Queued"),
    "running": N_("Writing"),
    "done": N_("Export complete"),
    "failed": NC_("export status", "Failed"),
    "interrupted": N_("Interrupted"),
    # awaiting_approval as the approval has it (display_status)
    "approved": N_("Approved: ready to start"),
    "approval_rejected": N_("Approval rejected"),
    "approval_expired": N_("Approval expired"),
}


def display_status(status: str, approval: str | None) -> str:
    """What an export's status reads as: an export still awaiting approval says how its approval stands, so the
    heading never says "waiting for approval" beside an approved request."""
    if status == "awaiting_approval" and approval in ("approved", "rejected", "expired"):
        return "approved" if approval == "approved" else f"approval_{approval}"
    return status


def export_status_label(status: str) -> str:
    """The msgid of an export status."""
    return EXPORT_STATUS.get(status, status)


# ExportRefused codes (app/delivery/service.py); %(path)s is the folder the reason is about.
REFUSAL_MESSAGES = {
    "target_not_absolute": N_("Give the package folder as an absolute path on the server, e.g. /mnt/delivery/2026-12."),
    "target_in_image_store": N_(
        "The package cannot be written inside the image store (%(path)s): choose a folder outside it."
    ),
    "target_not_empty": N_("%(path)s exists and is not an empty folder: choose a new folder."),
    "target_parent_missing": N_(
        "The folder %(path)s does not exist on the server: create it or mount the delivery disk there first, "
        "or choose another folder."
    ),
    "target_not_writable": N_(
        "The server may not write into %(path)s: give the Folio service write access, or choose another folder."
    ),
    "nothing_accepted": N_("No record is accepted yet: a delivery holds accepted records only."),
    "unsegmented_pages": N_("Some accepted records have pages without a segment: complete them before the export."),
    # %(path)s here: the odd masters, e.g. "9001_1 p3 (image/png)"
    "mixed_image_formats": N_(
        "A package of masters only holds one image format (DA/T 31-2017 §9.5: JPEG, TIFF or JPEG 2000), and these "
        "accepted masters are in another: %(path)s. Deliver the processed pages (delivery profile: processed or "
        "both), which all have the profile's format, or re-shoot these pages."
    ),
}


# ExportStateError codes (app/delivery/service.py, app/delivery/retry.py); %(export)s is the export's number.
STATE_MESSAGES = {
    "export_started": N_("Export %(export)s has started already: it cannot be started again."),
    "approval_other_export": N_(
        "The approval attached to this export was given for another export: request a new export and have it approved."
    ),
    "nothing_left_out": N_("Export %(export)s has no left-out records to write again."),
    "receipt_confirmed": N_(
        "The hospital has confirmed receipt of this package, so it is no longer changed: request a new export instead."
    ),
}


def refusal_message(gettext, code: str, detail: str, path: str | None) -> str:  # noqa: ANN001
    """A refused export explained in the reader's language, with its error code (the English detail if unknown)."""
    return coded_error(gettext, REFUSAL_MESSAGES, code, detail, {"path": path or ""})


# BadNaming codes (app.delivery.naming.NamingError) and BadSegment codes (app/delivery/segments.py, segment_views).
NAMING_MESSAGES = {
    "no_segments": N_("Give at least one segment, one per line."),
    "too_many_segments": N_("At most %(max)s segments."),
    "segment_too_long": N_("The segment name “%(name)s” is longer than 40 characters."),
    "segment_bad_name": N_(
        'The segment name “%(name)s” cannot be a folder name: no / \\ : * ? " < > |, and not a number alone.'
    ),
    "segment_twice": N_("The segment “%(name)s” is listed twice."),
    "template_length": N_("The naming template is empty or longer than 300 characters."),
    "template_malformed": N_("The naming template is not well formed: every { needs its }."),
    "template_unknown_fields": N_("The naming template has unknown fields %(fields)s; use %(known)s."),
    "template_missing_fields": N_("The naming template must contain %(fields)s."),
    "template_unfillable": N_("The naming template cannot be filled in: write the fields as listed, e.g. {page:04d}."),
    "template_not_relative": N_("The naming template must be a relative path, without empty, '.' or '..' parts."),
    "template_bad_characters": N_('File and folder names cannot contain \\ : * ? " < > |.'),
    "template_no_extension": N_("The file name must end with an extension such as .jpg."),
    "segment_unknown": N_("“%(segment)s” is not a segment of this project."),
    "pages_not_in_record": N_("Pages %(first)s to %(last)s are not pages of this record (it has %(pages)s)."),
    "pages_missing": N_("Give the first and last page numbers."),
}


def state_message(gettext, code: str, detail: str, params: dict) -> str:  # noqa: ANN001
    """An export in the wrong state for an action (STATE_MESSAGES), or a refused segment list, template or segment
    correction (NAMING_MESSAGES), explained in the reader's language with its error code; the English detail only
    for a code without words, which tests keep from happening."""
    return coded_error(gettext, STATE_MESSAGES | NAMING_MESSAGES, code, detail, params)


PROFILE_LABELS = {
    "contents": N_("Contents"),
    "format": N_("Image format"),
    "jpeg_quality": N_("JPEG quality"),
    "margin_mm": N_("Margin around the page (mm)"),
    "pdfa": N_("Record PDFs as PDF/A-2b"),
    "mets": N_("A METS file per record"),
}
PROFILE_VALUES = {
    "processed": N_("processed pages"),
    "masters": N_("masters as shot"),
    "both": N_("processed pages and masters"),
    "jpeg": N_("JPEG"),
    "tiff": N_("TIFF (lossless)"),
    "jp2": N_("JPEG 2000"),
    "True": N_("yes"),
    "False": N_("no"),
}


def profile_items(words: str) -> list[tuple[str, str]]:
    """A delivery profile as the approval stores it (`contents=processed format=jpeg …`, app.delivery.service
    .profile_words) as (label msgid, value msgid or figure) pairs for the screen; an unknown key is kept as it is."""
    items = []
    for token in str(words).split():
        key, _, value = token.partition("=")
        items.append((PROFILE_LABELS.get(key, key), PROFILE_VALUES.get(value, value)))
    return items
