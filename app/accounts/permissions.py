"""The permission matrix: every permission and the roles that hold it. Deny by default."""

from enum import StrEnum

from app.accounts.models import Role


class Perm(StrEnum):
    """What a route may require."""

    capture = "capture"
    view_own_production = "view_own_production"
    view_production = "view_production"
    view_records = "view_records"
    view_images = "view_images"
    flag_reshoot = "flag_reshoot"
    manage_records = "manage_records"
    manage_lots = "manage_lots"
    review_samples = "review_samples"
    manage_custody = "manage_custody"
    view_billing = "view_billing"
    manage_billing = "manage_billing"
    manage_users = "manage_users"
    manage_stations = "manage_stations"
    manage_settings = "manage_settings"
    view_audit = "view_audit"
    pack_records = "pack_records"
    correct_segments = "correct_segments"
    export_delivery = "export_delivery"
    approvals = "approvals"
    erasure = "erasure"
    set_inspection_rates = "set_inspection_rates"
    confirm_front_page = "confirm_front_page"


R = Role
MATRIX: dict[Perm, frozenset[Role]] = {
    Perm.capture: frozenset({R.operator, R.vendor_qc}),
    Perm.view_own_production: frozenset({R.operator, R.vendor_qc, R.vendor_manager}),
    Perm.view_production: frozenset({R.vendor_qc, R.vendor_manager, R.reviewer, R.custodian}),
    Perm.view_records: frozenset({R.vendor_qc, R.vendor_manager, R.reviewer, R.custodian}),
    Perm.view_images: frozenset({R.vendor_qc, R.vendor_manager, R.reviewer}),
    Perm.flag_reshoot: frozenset({R.vendor_qc}),
    Perm.manage_records: frozenset({R.vendor_manager}),
    Perm.manage_lots: frozenset({R.vendor_manager}),
    Perm.review_samples: frozenset({R.reviewer}),
    Perm.manage_custody: frozenset({R.custodian}),
    Perm.view_billing: frozenset({R.finance, R.vendor_manager}),
    Perm.manage_billing: frozenset({R.finance}),
    Perm.manage_users: frozenset({R.sysadmin}),
    Perm.manage_stations: frozenset({R.sysadmin}),
    Perm.manage_settings: frozenset({R.sysadmin}),
    Perm.view_audit: frozenset({R.audit_admin}),
    Perm.pack_records: frozenset({R.operator, R.vendor_qc, R.vendor_manager, R.custodian}),
    Perm.correct_segments: frozenset({R.vendor_qc, R.vendor_manager}),
    Perm.export_delivery: frozenset({R.vendor_manager}),
    # The audit administrator approves grants of hospital-side roles (app/accounts/duties.py), nothing else.
    Perm.approvals: frozenset({R.vendor_manager, R.reviewer, R.custodian, R.finance, R.sysadmin, R.audit_admin}),
    Perm.erasure: frozenset({R.vendor_manager, R.sysadmin, R.custodian}),
    Perm.set_inspection_rates: frozenset({R.vendor_manager}),
    # Closing a front-page check's false alarm (an OCR misreading) is the vendor's own QC work; the hospital's
    # reviewers judge the vendor's work and must not close its alarms (separation of duties).
    Perm.confirm_front_page: frozenset({R.vendor_qc, R.vendor_manager}),
}

# Roles that must pass a second factor (TOTP) at every browser sign-in.
# A second factor for the administrators, finance, and every role that can approve a sensitive operation (the
# custodian approves exports and the erasure: the hospital's most sensitive decisions).
MFA_REQUIRED = frozenset({R.sysadmin, R.audit_admin, R.reviewer, R.finance, R.vendor_manager}) | MATRIX[Perm.approvals]


def allowed(role: str, perm: Perm) -> bool:
    """True when the role holds the permission."""
    return role in MATRIX.get(perm, frozenset())


def permissions_of(role: str) -> list[Perm]:
    """Every permission a role holds, in matrix order."""
    return [p for p, roles in MATRIX.items() if role in roles]
