"""What the browser shows for roles, permissions and the main navigation (labels are gettext msgids)."""

from dataclasses import dataclass

from app.accounts.permissions import Perm, allowed


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name for "mark, translate later")
    """Mark a string for the translation catalogue; it is translated where it is shown."""
    return message


class NC_(str):  # noqa: N801  (gettext's naming: N_ with a context)
    """A msgid with its msgctxt, for a word with two meanings ("Back": a link, or the back third of a lot).

    It is the message text itself (a str), carrying `.context`; app.core.i18n.gettext_for translates it with
    pgettext, so templates and code translate it like any label: `_(label)`.
    """

    context: str

    def __new__(cls, context: str, message: str) -> "NC_":
        obj = super().__new__(cls, message)
        obj.context = context
        return obj


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
    Perm.pack_records: N_("Pack records into boxes and shelve them"),
    Perm.correct_segments: N_("Correct the segments of pages"),
    Perm.export_delivery: N_("Export the delivery package"),
    Perm.approvals: N_("Ask for and approve sensitive operations"),
    Perm.erasure: N_("Confirm the delivery and erase at the end of the project"),
    Perm.set_inspection_rates: N_("Set the vendor QC's inspection rates"),
    Perm.confirm_front_page: N_("Confirm that a front-page difference was misread"),
}

APPROVAL_LABELS = {
    "bulk_export": N_("Bulk export of images or patient data"),
    "delivery_package": N_("Delivery package"),
    "erasure": N_("Erasure of images and patient names"),
    "role_change": N_("Role change"),
    "contract_terms": N_("Change of contract terms"),
}
APPROVAL_STATUS_LABELS = {
    "pending": N_("Waiting"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "expired": N_("Expired"),
    "used": N_("Done"),
    "cancelled": N_("Cancelled: another change of the account was decided"),
}

TERM_LABELS = {
    "target_pages": N_("Target pages"),
    "end_date": N_("End date"),
    "daily_quota": N_("Daily quota per operator"),
    "unit_price": N_("Unit price (yuan per page)"),
    "price_cap": N_("Price cap (yuan)"),
    "acceptance_cycle_months": N_("Acceptance cycle (months)"),
    "sampling_scheme": N_("Sampling scheme"),
    "sample_rate": N_("Sample rate"),
    "aql": N_("AQL (ISO 2859-1)"),
    "pass_rate": N_("Pass rate"),
    "field_error_rate": N_("Front-page field error rate"),
    "review_deadline_days": N_("Review deadline (days)"),
    "correction_days": N_("Correction period (days)"),
    "payment_term_working_days": N_("Payment term (working days)"),
    "late_payment_rate_per_day": N_("Late payment rate per day"),
    "termination_review_days": N_("Review on termination (days)"),
    "termination_payment_days": N_("Payment on termination (days)"),
}

ERROR_TITLES = {
    "forbidden": N_("Not allowed"),
    "csrf_failed": N_("The form has expired"),
    "not_found": N_("Not found"),
    "too_many_attempts": N_("Too many attempts"),
    "approval_refused": N_("Not allowed"),
    "approval_not_usable": N_("This request cannot be used"),
    "approval_grant_refused": N_("You may not approve this role change"),
    "disable_refused": N_("Not allowed"),
    "role_change_pending": N_("A role change is already waiting"),
    "frontpage_reading_not_current": N_("The front page was read again"),
    "frontpage_not_a_mismatch": N_("Nothing to confirm"),
    "frontpage_already_confirmed": N_("Already confirmed"),
    "frontpage_note_too_long": N_("The note is too long"),
    "frontpage_values_changed": N_("The values changed"),
}


# What an error page says, in the reader's language; the server's English detail is shown only for codes without one.
ERROR_EXPLANATIONS = {
    "forbidden": N_("Your role may not open this page or do this. Ask your administrator if you need it."),
    "role_not_allowed": N_("Your role may not open this page or do this. Ask your administrator if you need it."),
    "csrf_failed": N_("The form was open too long or in another window. Reload the page and try again."),
    "not_found": N_("There is no such page or object, or it belongs to another project."),
    "too_many_attempts": N_("Too many failed attempts. Wait a few minutes and try again."),
    "approval_refused": N_(
        "You may not ask for or decide this request: nobody approves their own request, and each kind of request has "
        "its own approvers."
    ),
    "approval_not_usable": N_("This approval has expired, was rejected or has been used already."),
    "approval_grant_refused": N_(
        "Nobody approves a role change he asked for, or one of his own account. A hospital-side role, or a change "
        "away from one, is approved only by the records custodian or the audit administrator; a vendor-side role by "
        "the project manager or the system administrator. An approver whose own role was granted before this rule "
        "must first have it confirmed at the console."
    ),
    "role_change_pending": N_(
        "This account already has a role change waiting for approval. It must be decided (or expire) before another "
        "one is asked for; see Approvals."
    ),
    "enrolment_link_refused": N_(
        "A hospital account's enrolment link is issued only by the hospital's records custodian or audit "
        "administrator; other accounts' links by an administrator; nobody issues one for his own account."
    ),
    "frontpage_reading_not_current": N_(
        "This reading is no longer the record's current one: its front page was read again. Check the new reading."
    ),
    "frontpage_not_a_mismatch": N_(
        "The field does not differ on the record's current reading (or is no field of the check): there is nothing "
        "to confirm. Reload the record's check."
    ),
    "frontpage_already_confirmed": N_("Someone has already confirmed this difference. Reload the record's check."),
    "frontpage_note_too_long": N_(
        "The note may have at most 500 characters (a line break counts as one). Shorten it and confirm again: your "
        "text is kept below."
    ),
    "frontpage_values_changed": N_(
        "The record's values or the page's reading changed since this screen was shown. "
        "Check the values as they are now, shown here, and confirm again if the page was misread."
    ),
}


@dataclass(frozen=True)
class NavItem:
    """A link of the main navigation and who sees it."""

    url: str
    label: str
    perms: tuple[Perm, ...]


NAV = (
    NavItem("/today", N_("Today"), (Perm.view_production, Perm.view_own_production)),
    NavItem("/production", N_("Production"), (Perm.view_production, Perm.view_own_production)),
    NavItem("/progress", N_("Progress"), (Perm.view_production,)),
    NavItem("/records", N_("Records"), (Perm.view_records,)),
    NavItem("/calendar", N_("Calendar"), (Perm.view_production, Perm.manage_settings)),
    NavItem("/approvals", N_("Approvals"), (Perm.approvals,)),
    NavItem("/admin/users", N_("Users"), (Perm.manage_users,)),
    NavItem("/admin/stations", N_("Stations"), (Perm.manage_stations,)),
    NavItem("/billing", N_("Billing"), (Perm.view_billing,)),
    NavItem("/custody", N_("Custody"), (Perm.view_records,)),
    NavItem("/custody/pack", N_("Packing"), (Perm.pack_records,)),
    NavItem("/frontpage", N_("Front pages"), (Perm.view_records,)),
    NavItem("/delivery", N_("Delivery"), (Perm.view_records,)),
    NavItem("/audit", N_("Audit trail"), (Perm.view_audit,)),
    NavItem("/admin/project", N_("Contract terms"), (Perm.manage_settings,)),
    NavItem("/erasure", N_("End of project"), (Perm.erasure,)),
)

NAV += (NavItem("/acceptance", N_("Acceptance"), (Perm.manage_lots, Perm.review_samples)),)
NAV += (
    NavItem("/inspection", N_("Inspection"), (Perm.flag_reshoot,)),  # managers reach it from Today
)


def nav_items(role: str) -> list[NavItem]:
    """The navigation links a role may follow."""
    return [item for item in NAV if any(allowed(role, p) for p in item.perms)]


def role_label(role: str) -> str:
    """The msgid naming a role."""
    return ROLE_LABELS.get(role, role)


def perm_label(perm: Perm) -> str:
    """The msgid describing a permission."""
    return PERM_LABELS.get(perm, perm.value)


def approval_label(kind: str) -> str:
    """The msgid naming an approval's operation."""
    return APPROVAL_LABELS.get(kind, kind)


def approval_status_label(status: str) -> str:
    """The msgid of an approval's status."""
    return APPROVAL_STATUS_LABELS.get(status, status)


def term_label(field: str) -> str:
    """The msgid naming a contract term."""
    return TERM_LABELS.get(field, field)


def error_explanation(code: str, status: int | None = None) -> str | None:
    """The msgid explaining an error page, or None when only the server's detail says it."""
    if code in ERROR_EXPLANATIONS:
        return ERROR_EXPLANATIONS[code]
    if status == 404:
        return ERROR_EXPLANATIONS["not_found"]
    if status == 403:
        return ERROR_EXPLANATIONS["forbidden"]
    return None


def error_title(code: str) -> str:
    """The msgid of an error page's heading."""
    return ERROR_TITLES.get(code, N_("Something went wrong"))


# Where each role lands after signing in: its work screen (production viewers keep Today).
START_PAGES = {
    "finance": "/billing",
    "sysadmin": "/admin/users",
    "audit_admin": "/audit",
    "custodian": "/custody",
    "reviewer": "/acceptance",
}


def can_open(role: str, url: str) -> bool:
    """True when the role may open the screen of a navigation link (links to other screens are not shown)."""
    return any(item.url == url for item in nav_items(role))


def may(role: str, *perms: str) -> bool:
    """True when the role holds one of the permissions (by name): templates show a link only to who may open it."""
    return any(allowed(role, Perm(p)) for p in perms)


def start_page(role: str) -> str:
    """The screen a role starts on: Today for those who see production, else its work screen, else /account."""
    if can_open(role, "/today"):
        return "/today"
    url = START_PAGES.get(role)
    if url and can_open(role, url):
        return url
    items = nav_items(role)
    return items[0].url if items else "/account"
