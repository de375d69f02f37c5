"""What the browser shows for roles, permissions and the main navigation (labels are gettext msgids)."""

from dataclasses import dataclass

from app.accounts.permissions import Perm, allowed


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name for "mark, translate later")
    """Mark a string for the translation catalogue; it is translated where it is shown."""
    return message


ROLE_LABELS = {
    "operator": N_("Operator"),
    "vendor_qc": N_("Vendor QC"),
    "vendor_manager": N_("Project manager"),
    "reviewer": N_("Hospital reviewer"),
    "custodian": N_("Records custodian"),
    "finance": N_("Finance"),
    "sysadmin": N_("System administrator"),
    "audit_admin": N_("Audit administrator"),
}

PERM_LABELS = {
    Perm.capture: N_("Capture pages at a station"),
    Perm.view_own_production: N_("See own production"),
    Perm.view_production: N_("See production and progress"),
    Perm.view_records: N_("See records and pages"),
    Perm.view_images: N_("Open page images"),
    Perm.flag_reshoot: N_("Flag pages for re-shooting"),
    Perm.manage_records: N_("Manage records"),
    Perm.manage_lots: N_("Apply for acceptance"),
    Perm.review_samples: N_("Review acceptance samples"),
    Perm.manage_custody: N_("Hand records over and take them back"),
    Perm.view_billing: N_("See billing"),
    Perm.manage_billing: N_("Record invoices and payments, export statements"),
    Perm.manage_users: N_("Manage users"),
    Perm.manage_stations: N_("Manage capture stations"),
    Perm.manage_settings: N_("Change settings"),
    Perm.view_audit: N_("Read and export the audit trail"),
}

ERROR_TITLES = {
    "forbidden": N_("Not allowed"),
    "csrf_failed": N_("The form has expired"),
    "not_found": N_("Not found"),
    "too_many_attempts": N_("Too many attempts"),
}


@dataclass(frozen=True)
class NavItem:
    """A link of the main navigation and who sees it."""

    url: str
    label: str
    perms: tuple[Perm, ...]


NAV = (NavItem("/today", N_("Today"), (Perm.view_production, Perm.view_own_production)),)


def nav_items(role: str) -> list[NavItem]:
    """The navigation links a role may follow."""
    return [item for item in NAV if any(allowed(role, p) for p in item.perms)]


def role_label(role: str) -> str:
    """The msgid naming a role."""
    return ROLE_LABELS.get(role, role)


def perm_label(perm: Perm) -> str:
    """The msgid describing a permission."""
    return PERM_LABELS.get(perm, perm.value)


def error_title(code: str) -> str:
    """The msgid of an error page's heading."""
    return ERROR_TITLES.get(code, N_("Something went wrong"))
