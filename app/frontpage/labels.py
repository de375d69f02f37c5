"""What templates need of the front-page check: its labels, and the "possibly the wrong record's page" alert."""

from typing import Any

from sqlmodel import Session

from app.accounts.permissions import Perm, allowed
from app.frontpage.crosscheck import OCR_STATE_LABELS, OUTCOME_LABELS, STATE_LABELS
from app.frontpage.rules import FIELD_LABELS

LABELS = {"outcome": OUTCOME_LABELS, "state": STATE_LABELS, "ocr": OCR_STATE_LABELS, "field": FIELD_LABELS}
# The vendor's manager and QC inspectors see the alert on every screen (issue 18).
ALERTED_ROLES = ("vendor_manager", "vendor_qc")


def wrong_record_alert(request: Any) -> int:
    """How many records of the signed-in user's project may hold another record's front page (0 for roles the
    alert is not for, outside a project, or before full sign-in: on /login/second-factor the password alone has
    been given, and patient matters are shown to no one yet): one indexed count."""
    from app.frontpage.checks import wrong_record_count

    user = getattr(request.state, "user", None)
    project_id = getattr(user, "project_id", None)
    if (
        project_id is None
        or not getattr(user, "mfa_passed", False)
        or user.role not in ALERTED_ROLES
        or not allowed(user.role, Perm.view_records)
    ):
        return 0
    with Session(request.app.state.engine) as session:
        return wrong_record_count(session, project_id)


def ocr_state(request: Any) -> str:
    """on | off (FOLIO_OCR=off) | missing (the OCR package is not installed): whether this server reads pages."""
    from app.frontpage.ocr import status

    return status(request.app.state.settings.ocr)
