"""Every code a user sees, with the words shown for it (gettext msgids, English source, zh-CN in the catalogue).

`ENUMS` registers each set of codes shown on a screen or in an export: the codes it may hold and their labels.
tests/core/test_i18n.py fails when an Enum of app/ is neither registered here nor in NOT_SHOWN, when a code of a
registered set has no label, when an audit action or outcome written anywhere in app/ has none, and when a label
has no Chinese translation. Templates call `label(kind, code)` and translate the result: `{{ _(label(...)) }}`.
"""

from collections.abc import Iterable
from enum import Enum

from app.acceptance import labels as acceptance_labels
from app.acceptance.models import LotKind, LotStatus
from app.accounts.approvals import ApprovalKind
from app.accounts.duties import Grant, Side
from app.accounts.models import Role
from app.accounts.permissions import Perm
from app.billing.models import TermUnit
from app.custody import labels as custody_labels
from app.custody.models import Condition, CustodyState, HandoverKind, HandoverStatus
from app.delivery.labels import EXPORT_STATUS
from app.delivery.models import ExportStatus
from app.inspection import labels as inspection_labels
from app.inspection.models import InspectionVerdict, TaskStatus
from app.navigation import APPROVAL_LABELS, APPROVAL_STATUS_LABELS, N_, PERM_LABELS, ROLE_LABELS
from app.production.rules import QuotaStatus
from app.records.models import RecordStatus

INSPECTION_VERDICT_LABELS = {"pass": N_("Passed"), "flag": N_("Flagged")}

QUOTA_STATUS_LABELS = {"met": N_("met"), "short": N_("short"), "day_off": N_("day off")}

RECORD_STATUS_LABELS = {"registered": N_("registered"), "capturing": N_("capturing"), "finished": N_("finished")}

TERM_UNIT_LABELS = {"working": N_("working days"), "calendar": N_("calendar days")}

SAMPLING_SCHEME_LABELS = {
    "flat": N_("Flat rate: the sample rate of the lot's pages"),
    "iso2859": N_("ISO 2859-1 single sampling, level II, at the AQL"),
}

AUDIT_OUTCOME_LABELS = {
    "success": N_("success"),
    "failure": N_("failure"),
    "denied": N_("denied"),
    "locked": N_("locked"),
    "throttled": N_("throttled"),
    "incomplete": N_("incomplete"),
    "password_ok": N_("password right, second factor pending"),
    # an approval's decision is written as its status
    "pending": N_("waiting"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "expired": N_("expired"),
    "used": N_("carried out"),
    "cancelled": N_("cancelled: another change of the account was decided"),
}

# what an audit event was done to (audit_event.object_type); the audit screen and CSV show these words
AUDIT_OBJECT_LABELS = {
    "approval": N_("approval"),
    "box": N_("box"),
    "delivery_export": N_("delivery package"),
    "erasure_certificate": N_("erasure certificate"),
    "front_page_import": N_("front-page import"),
    "front_page_reading": N_("front-page reading"),
    "handover": N_("handover batch"),
    "inspection_item": N_("inspection item"),
    "inspection_rate": N_("inspection rate"),
    "lot": N_("acceptance lot"),
    "page": N_("page"),
    "page_image": N_("page image"),
    "processed_image": N_("processed image"),
    "payable": N_("payable"),
    "payment": N_("payment"),
    "project": N_("project"),
    "record": N_("medical record"),
    "reshoot_task": N_("re-shoot task"),
    "sample_item": N_("sample page"),
    "shelf": N_("shelf"),
    "statement": N_("monthly statement"),
    "station": N_("capture station"),
    "station_session": N_("station sign-in"),
    "user": N_("user account"),
    "web_session": N_("browser sign-in"),
    "workday_override": N_("working-day adjustment"),
}

AUDIT_ACTION_LABELS = {
    "station.condition": N_("Station condition started or ended"),
    "audit.rekey": N_("Audit trail sealed with the key"),
    "session.replace": N_("Session identifier replaced"),
    "user.role_grant": N_("Role granted"),
    "delivery.record_failed": N_("Record left out of the delivery"),
    "delivery.retry": N_("Left-out records written again"),
    "inspection.pass": N_("Page passed vendor inspection"),
    "inspection.flag": N_("Page flagged by vendor inspection"),
    "inspection.rate": N_("Inspection rate set"),
    "reshoot_task.open": N_("Re-shoot task opened"),
    "reshoot_task.close": N_("Re-shoot task closed"),
    "reshoot_task.cancel": N_("Re-shoot task withdrawn"),
    "account.password_change": N_("Password changed"),
    "account.totp_enroll": N_("Second factor set up"),
    "enrolment.issue": N_("Enrolment link issued"),
    "enrolment.use": N_("Enrolment link used"),
    "enrolment.void": N_("Enrolment links voided"),
    "enrolment.reset": N_("Account reset for enrolment"),
    "approval.cancel": N_("Approval cancelled"),
    "approval.decide": N_("Approval decided"),
    "approval.request": N_("Approval requested"),
    "approval.use": N_("Approved operation carried out"),
    "audit.export": N_("Audit trail exported"),
    "billing.export": N_("Billing exported"),
    "calendar.override_delete": N_("Calendar exception removed"),
    "calendar.override_set": N_("Calendar exception set"),
    "custody.box_add": N_("Boxes registered"),
    "custody.cancel": N_("Handover withdrawn"),
    "custody.checkout": N_("Records checked out"),
    "custody.confirm": N_("Handover confirmed"),
    "custody.pack": N_("Record packed into a box"),
    "custody.return": N_("Records returned"),
    "custody.settings": N_("Custody settings changed"),
    "custody.shelf_add": N_("Shelf registered"),
    "custody.shelve": N_("Box shelved"),
    "delivery.done": N_("Delivery package written"),
    "delivery.failed": N_("Delivery package failed"),
    "delivery.receipt": N_("Delivery package received"),
    "delivery.request": N_("Delivery package requested"),
    "delivery.start": N_("Delivery package started"),
    "erasure.run": N_("Erasure run"),
    "frontpage.edit": N_("Front page entered"),
    "frontpage.import": N_("Front pages imported"),
    "frontpage.crop": N_("Front-page field image viewed"),
    "frontpage.confirm": N_("Front-page difference confirmed as misread"),
    "frontpage.confirmation_void": N_("Front-page confirmation void"),
    "image.thumbnail": N_("Thumbnail viewed"),
    "image.view": N_("Image viewed"),
    "lot.apply": N_("Lot applied for"),
    "lot.decide": N_("Lot decided"),
    "lot.reapply": N_("Lot applied for again"),
    "lot.seed": N_("Sample seed fixed"),
    "naming.save": N_("Naming template saved"),
    "page.segment": N_("Page segments corrected"),
    "page.upload": N_("Page uploaded"),
    "payable.create": N_("Payable created"),
    "payable.invoice": N_("Invoice recorded"),
    "payment.record": N_("Payment recorded"),
    "payment.void": N_("Payment voided"),
    "project.create": N_("Project created"),
    "project.qc_profile": N_("QC profile changed"),
    "project.sampling": N_("Sampling scheme changed"),
    "project.terms_change": N_("Contract terms changed"),
    "record.create": N_("Record registered"),
    "record.finish": N_("Record finished"),
    "record.page_delete": N_("Page deleted (renumbered)"),
    "record.page_insert": N_("Missed page inserted (renumbered)"),
    "record.view": N_("Record viewed"),
    "sample.record_check": N_("Record checked in review"),
    "sample.verdict": N_("Sampled page judged"),
    "session.expire": N_("Session ended"),
    "signin": N_("Sign-in"),
    "signin.second_factor": N_("Second factor at sign-in"),
    "signout": N_("Sign-out"),
    "station.create": N_("Station registered"),
    "station.login": N_("Operator signed in at a station"),
    "station.logout": N_("Operator signed out at a station"),
    "station.revoke": N_("Station revoked"),
    "user.create": N_("User added"),
    "user.disable": N_("User disabled"),
    "user.enable": N_("User enabled"),
    "user.role_change": N_("Role changed"),
}

# The keys of an approval's details (app/accounts/approvals.py payloads), shown on the Approvals page.
APPROVAL_DETAIL_LABELS = {
    "export_id": N_("Export"),
    "target": N_("Package folder"),
    "records": N_("Records"),
    "pages": N_("Pages"),
    "delivery_profile": N_("Delivery profile"),
    "pages_need_look": N_("Pages that need a look, never looked at (see /inspection/looks)"),
    "receipt_id": N_("Receipt"),
    "user_id": N_("User"),
    "username": N_("User name"),
    "role": N_("New role"),
    "changes": N_("Changes"),
    "before": N_("Before"),
}

# kind -> (the codes it may hold, their labels)
ENUMS: dict[str, tuple[Iterable[str], dict[str, str]]] = {
    "role": (Role, ROLE_LABELS),
    "perm": (Perm, PERM_LABELS),
    "approval_kind": (ApprovalKind, APPROVAL_LABELS),
    "approval_status": (("pending", "approved", "rejected", "expired", "used", "cancelled"), APPROVAL_STATUS_LABELS),
    "approval_detail": (APPROVAL_DETAIL_LABELS, APPROVAL_DETAIL_LABELS),
    "record_status": (RecordStatus, RECORD_STATUS_LABELS),
    "export_status": (
        (*ExportStatus, "interrupted", "approved", "approval_rejected", "approval_expired"),
        EXPORT_STATUS,
    ),
    "handover_kind": (HandoverKind, custody_labels.KIND_LABELS),
    "handover_status": (HandoverStatus, custody_labels.STATUS_LABELS),
    "condition": (Condition, custody_labels.CONDITION_LABELS),
    "custody_state": (CustodyState, custody_labels.STATE_LABELS),
    "term_unit": (TermUnit, TERM_UNIT_LABELS),
    "lot_status": (LotStatus, acceptance_labels.STATUS_LABELS),
    "lot_kind": (LotKind, acceptance_labels.KIND_LABELS),
    "quota_status": (QuotaStatus, QUOTA_STATUS_LABELS),
    "sampling_scheme": (SAMPLING_SCHEME_LABELS, SAMPLING_SCHEME_LABELS),
    "audit_outcome": (AUDIT_OUTCOME_LABELS, AUDIT_OUTCOME_LABELS),
    "audit_action": (AUDIT_ACTION_LABELS, AUDIT_ACTION_LABELS),
    "audit_object": (AUDIT_OBJECT_LABELS, AUDIT_OBJECT_LABELS),
    "held_back_reason": (acceptance_labels.HELD_BACK_LABELS, acceptance_labels.HELD_BACK_LABELS),
    "inspection_verdict": (InspectionVerdict, INSPECTION_VERDICT_LABELS),
    "task_status": (TaskStatus, inspection_labels.TASK_STATUS_LABELS),
}

# Enums of app/ that no screen or export shows as such (the test asks every other Enum to be in ENUMS).
NOT_SHOWN: dict[type[Enum], str] = {
    Side: "the side of a role is a rule's input; screens show the role and the approver's words",
    Grant: "approvals show a grant as 'new account' / 'enabled again' in their own words",
}


def label(kind: str, code: object) -> str:
    """The msgid for a code of a registered kind; the code itself when it has none (the test prevents that)."""
    value = getattr(code, "value", code)
    return ENUMS[kind][1].get(str(value), str(value))


def code_values(kind: str) -> list[str]:
    """Every code a registered kind may hold."""
    return [str(getattr(c, "value", c)) for c in ENUMS[kind][0]]
