"""Separation of duties: who may give an account a role. One rule, in one place.

Every role belongs to a side:
  vendor    operator, vendor_qc, vendor_manager      (the scanning company)
  hospital  reviewer, custodian, audit_admin, finance (the client: accepts the work, keeps the paper, audits,
                                                       pays; contract terms are approved by its finance)
  neutral   sysadmin                                  (runs the system for whoever operates it)

An account gains a role in exactly these ways, and each is a *grant*:
  - created in the browser (`/admin/users`),       - its role changed (`/admin/users/{id}/role`),
  - re-enabled after being disabled,                - at the server's console: `folio user add`.
(There is no import of accounts.) A grant from the browser is only a request: the account stays disabled, or
keeps its old role, until a second person approves it under Approvals:
  - a hospital-side role: a custodian or audit administrator of the project, whose own grant is confirmed
    ("console" or "approved", not "legacy");
  - a vendor-side role: another vendor manager or system administrator;
  - the neutral role: any of those four roles;
and never the person who asked, nor the person who receives the role. The console (`folio user add`,
`folio project create`) is the bootstrap: whoever holds the server's console holds its database anyway; it
records the grant as "console", audited with the operating-system user. A lot is decided only by a reviewer
whose grant is "console" or "approved" — so the vendor's side alone can never produce one.

Source: the hospital's requirement that the vendor is paid only for pages the hospital accepted (issue 21),
MLPS 2.0 level 3 (GB/T 22239-2019 8.1.4.2, separation of the administrators' duties).
"""

from enum import StrEnum

from sqlmodel import Session

from app.accounts.models import Role, User
from app.audit.service import record_event
from app.core.errors import Forbidden


class Side(StrEnum):
    """Whose person holds a role."""

    vendor = "vendor"
    hospital = "hospital"
    neutral = "neutral"


class Grant(StrEnum):
    """How an account's current role was granted (User.role_grant)."""

    console = "console"
    approved = "approved"
    pending = "pending"
    refused = "refused"
    legacy = "legacy"


R = Role
SIDE_OF: dict[Role, Side] = {
    R.operator: Side.vendor,
    R.vendor_qc: Side.vendor,
    R.vendor_manager: Side.vendor,
    R.reviewer: Side.hospital,
    R.custodian: Side.hospital,
    R.audit_admin: Side.hospital,
    R.finance: Side.hospital,
    R.sysadmin: Side.neutral,
}
GRANT_APPROVERS: dict[Side, frozenset[Role]] = {
    Side.hospital: frozenset({R.custodian, R.audit_admin}),
    Side.vendor: frozenset({R.vendor_manager, R.sysadmin}),
    Side.neutral: frozenset({R.custodian, R.audit_admin, R.vendor_manager, R.sysadmin}),
}
NEW, CHANGE, ENABLE = "new", "change", "enable"  # how a browser grant gives the role
# Grants that count for the hospital's own acts (deciding a lot, approving a hospital-side grant).
CONFIRMED = frozenset({Grant.console, Grant.approved})


class GrantRefused(Forbidden):
    code = "grant_refused"


class GrantNotConfirmed(Forbidden):
    code = "grant_not_confirmed"


class DisableRefused(Forbidden):
    """A hospital-side account disabled by someone outside the hospital (disable_refusal)."""

    code = "disable_refused"


def side_of(role: str) -> Side:
    """The side a role belongs to."""
    return SIDE_OF[Role(role)]


def grant_counts(role: str, grant: str, active: bool = True) -> bool:
    """True when an account with this role and grant may act in it at all (legacy: only outside the hospital)."""
    if not active or grant in (Grant.pending, Grant.refused):
        return False
    return grant in CONFIRMED or side_of(role) != Side.hospital


def grant_refusal(
    *,
    role: str,
    target_user_id: int | None,
    requested_by: int,
    approver_id: int,
    approver_role: str,
    approver_grant: str,
    from_role: str | None = None,
) -> str | None:
    """Why this person may not approve giving `role` to the target, or None when he may (the rule above).

    Taking a hospital-side role away (`from_role`) is the hospital's decision as much as giving one: the stricter
    side of the two roles decides who approves."""
    side = approving_side(role, from_role)
    if approver_id == requested_by:
        return "you asked for this yourself: another person must approve it"
    if target_user_id is not None and approver_id == target_user_id:
        return "nobody approves a role for himself"
    if approver_role not in GRANT_APPROVERS[side]:
        names = ", ".join(sorted(r.value for r in GRANT_APPROVERS[side]))
        return f"a {side.value}-side role is approved only by: {names}"
    if approver_grant not in CONFIRMED and (side == Side.hospital or side_of(approver_role) == Side.hospital):
        return "your own role has not been confirmed yet (granted before the approval rule): ask at the console"
    return None


def check_grant_approver(session: Session, payload: dict, *, requested_by: int, approver_id: int) -> None:
    """Raise GrantRefused unless the approver may approve this grant request (payload: user_id, role)."""
    approver = session.get(User, approver_id)
    if approver is None or not grant_counts(approver.role, approver.role_grant, approver.active):
        raise GrantRefused("your account may not approve grants", keep_writes=True)
    target = session.get(User, payload["user_id"]) if payload.get("user_id") else None
    why = grant_refusal(
        role=payload["role"],
        from_role=target.role if target is not None and target.role != payload["role"] else None,
        target_user_id=payload.get("user_id"),
        requested_by=requested_by,
        approver_id=approver_id,
        approver_role=approver.role,
        approver_grant=approver.role_grant,
    )
    if why:
        raise GrantRefused(why, keep_writes=True)


def approving_side(role: str, from_role: str | None) -> Side:
    """Who approves moving an account from `from_role` to `role`: the hospital, when either is hospital-side."""
    if from_role is not None and side_of(from_role) == Side.hospital:
        return Side.hospital
    return side_of(role)


def may_approve_grant(approver_role: str, payload: dict) -> bool:
    """True when a role may in principle approve this grant (for listing what waits for whom)."""
    return approver_role in GRANT_APPROVERS[approving_side(payload["role"], payload.get("from_role"))]


def disable_refusal(actor_role: str, target_role: str) -> str | None:
    """Why this person may not disable the account at once, or None. A hospital-side account is the hospital's:
    the vendor side (and the neutral administrator) cannot take the hospital's reviewers or approvers away."""
    if side_of(target_role) == Side.hospital and side_of(actor_role) != Side.hospital:
        return "a hospital-side account is disabled by the hospital, or at the console"
    return None


def apply_grant(session: Session, user: User, *, role: str, approver_id: int, approval_id: int, how: str) -> None:
    """An approved grant takes effect: the role, and for a new or re-enabled account the account itself."""
    old = user.role
    user.role = Role(role).value
    user.role_grant, user.role_granted_by = Grant.approved.value, approver_id
    if how in (NEW, ENABLE):
        user.active = True  # a role change alone does not wake a disabled account
    session.add(user)
    record_event(
        session,
        "user.enable" if how == ENABLE else "user.role_change",
        project_id=user.project_id,
        actor_user_id=approver_id,
        object_type="user",
        object_id=user.id,
        detail={"from": old, "to": user.role, "approval_id": approval_id, "side": side_of(user.role).value, "how": how},
    )


def refuse_grant(session: Session, user: User, *, approver_id: int, approval_id: int) -> None:
    """A rejected grant of a new account leaves it disabled, marked refused."""
    if user.role_grant == Grant.pending:
        user.role_grant = Grant.refused.value
        session.add(user)
        record_event(
            session,
            "user.role_change",
            project_id=user.project_id,
            actor_user_id=approver_id,
            object_type="user",
            object_id=user.id,
            outcome="rejected",
            detail={"approval_id": approval_id},
        )


def mark_pending(session: Session, user: User) -> None:
    """A new account asked for in the browser: disabled, its role waiting for approval."""
    user.active, user.role_grant, user.role_granted_by = False, Grant.pending.value, None
    session.add(user)


def mark_console_grant(session: Session, user: User, *, os_user: str) -> None:
    """The console's bootstrap grant: recorded as such, with who ran the command on the server."""
    user.role_grant, user.role_granted_by = Grant.console.value, None
    session.add(user)
    record_event(
        session,
        "user.role_grant",
        project_id=user.project_id,
        object_type="user",
        object_id=user.id,
        detail={"to": user.role, "via": "console", "os_user": os_user, "side": side_of(user.role).value},
    )


def require_confirmed_reviewer(session: Session, user_id: int) -> None:
    """A lot is decided only by an active reviewer whose grant the hospital approved (or the console made).

    Raises GrantNotConfirmed otherwise (e.g. a reviewer account from before the rule, not yet confirmed).
    """
    user = session.get(User, user_id)
    if user is None or user.role != Role.reviewer or not user.active or user.role_grant not in CONFIRMED:
        raise GrantNotConfirmed(
            "only a reviewer whose role the hospital approved may decide a lot; ask the records custodian or "
            "the audit administrator to confirm your role"
        )
