"""Why an export stopped or a record was left out, as the export page says it: a stable code and its params are
stored with the technical detail (DeliveryExport.error, DeliveryRecord.error), and the page words the code in the
reader's language; the detail stays for the log, the audit trail, the CLI and a details line on the page."""

import json
from dataclasses import dataclass

from app.navigation import N_

FAILURE_MESSAGES = {
    # the export as a whole (app/delivery/runner.py)
    "interrupted": N_("The export was interrupted (the server stopped or restarted): resume it to go on."),
    "disk_full": N_("The delivery disk is full: free some space or choose another disk, then resume the export."),
    "target_not_writable": N_(
        "The server may no longer write into the package folder: give the Folio service write access, then resume."
    ),
    "target_missing": N_("The package folder or the delivery disk is gone: mount it again, then resume the export."),
    "write_failed": N_("Writing the package failed (a disk or file-system error): check the disk, then resume."),
    "unexpected": N_("The export stopped on an unexpected error: tell your administrator, then resume it."),
    # one record left out (app/delivery/package.py, planning.py); %(page)s is the page number
    "image_missing": N_("The image file of page %(page)s is missing from the image store."),
    "image_altered": N_("The stored image of page %(page)s does not match its fingerprint: it was altered."),
    "no_processed_copy": N_(
        "Page %(page)s has no processed copy yet: run “folio store process”, then write the record again."
    ),
    "image_not_embeddable": N_("The image of page %(page)s cannot be put in the PDF."),
    "pdf_failed": N_("The record's images cannot be put in a PDF."),
    "page_number_twice": N_("Two accepted pages share a page number: renumber the record."),
    "page_no_segment": N_("Page %(page)s has no segment."),
    "file_name_twice": N_("The naming template gives two pages the same file name."),
}


@dataclass(frozen=True)
class Failure:
    """A stored failure: its code, the params of its words and the technical English detail."""

    code: str
    params: dict
    detail: str


def stored(code: str, params: dict, detail: str, limit: int) -> str:
    """The text kept in an error column: code, params as JSON and the detail, tab-separated, at most `limit`
    characters (the detail is cut, never the code or params)."""
    head = f"{code}\t{json.dumps(params, ensure_ascii=False, separators=(',', ':'))}\t"
    return head + detail[: max(limit - len(head), 0)]


# What a stopped export keeps until it is resumed (app.delivery.runner._release).
INTERRUPTED = stored("interrupted", {}, "interrupted; resume to go on", 2000)


def parsed(text: str | None) -> Failure | None:
    """The failure kept by `stored`; a text from before codes were kept reads as an unexpected error."""
    if not text:
        return None
    parts = text.split("\t", 2)
    if len(parts) == 3 and parts[0] in FAILURE_MESSAGES:
        try:
            return Failure(parts[0], json.loads(parts[1]), parts[2])
        except ValueError:
            pass
    return Failure("unexpected", {}, text)


def failure_words(gettext, text: str | None) -> str:  # noqa: ANN001
    """A stored failure in the reader's language with its code ("" for none)."""
    from app.core.i18n import coded_error

    failure = parsed(text)
    if failure is None:
        return ""
    return coded_error(gettext, FAILURE_MESSAGES, failure.code, failure.detail, failure.params)


def failure_detail(text: str | None) -> str:
    """The technical detail of a stored failure ("" for none), for the log, the CLI and administrators."""
    failure = parsed(text)
    return failure.detail if failure else ""


def export_failure(exc: Exception) -> tuple[str, dict, str]:
    """(code, params, detail) of what stopped a whole export: a package error's own code, a disk error by its
    errno (full, not writable, gone), anything else unexpected."""
    import errno

    code = getattr(exc, "code", None)
    if code in FAILURE_MESSAGES:
        return code, dict(getattr(exc, "params", {})), str(exc)
    number = getattr(exc, "errno", None)
    if number in (errno.ENOSPC, errno.EDQUOT):
        return "disk_full", {}, str(exc)
    if number in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "target_not_writable", {}, str(exc)
    if number in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ESTALE):
        return "target_missing", {}, str(exc)
    return ("write_failed" if isinstance(exc, OSError) else "unexpected"), {}, str(exc)
