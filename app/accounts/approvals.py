"""Four eyes: sensitive operations are requested by one person and approved by another before they run.

Kinds and who may ask and approve (exports and erasure need the hospital side):
  bulk_export        asked by vendor_manager            approved by custodian or reviewer
  delivery_package   asked by vendor_manager            approved by custodian
  erasure            asked by vendor_manager, sysadmin  approved by custodian
  role_change        asked by sysadmin                  approved as app/accounts/duties.py rules for the role's
                                                        side (hospital roles: custodian or audit_admin)
  contract_terms     asked by vendor_manager, sysadmin  approved by finance or custodian
A pending request expires after 72 hours; an approved one must be used within 24 hours, once.
An account has at most one pending role change: deciding one (either way) cancels any other still pending for the
same account ("cancelled", audited as approval.cancel), so a request filed while the account was something else
can never run later on an account that has changed since (app/accounts/grants.py refuses a second one at filing).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts import duties
from app.accounts.models import Approval, ApprovalKind, Role, User  # ApprovalKind: imported from here too
from app.accounts.signin import WebPrincipal
from app.audit.service import record_event
from app.core.errors import Conflict, Forbidden, NotFound

R = Role
REQUESTERS: dict[ApprovalKind, frozenset[Role]] = {
    ApprovalKind.bulk_export: frozenset({R.vendor_manager}),
    ApprovalKind.delivery_package: frozenset({R.vendor_manager}),
    ApprovalKind.erasure: frozenset({R.vendor_manager, R.sysadmin}),
    ApprovalKind.role_change: frozenset({R.sysadmin}),
    ApprovalKind.contract_terms: frozenset({R.vendor_manager, R.sysadmin}),
}
APPROVERS: dict[ApprovalKind, frozenset[Role]] = {
    ApprovalKind.bulk_export: frozenset({R.custodian, R.reviewer}),
    ApprovalKind.delivery_package: frozenset({R.custodian}),
    ApprovalKind.erasure: frozenset({R.custodian}),
    # Who may approve which role is the separation-of-duties rule's (duties.grant_refusal); these are all of them.
    ApprovalKind.role_change: frozenset().union(*duties.GRANT_APPROVERS.values()),
    ApprovalKind.contract_terms: frozenset({R.finance, R.custodian}),
}
PENDING_HOURS = 72
USE_WITHIN_HOURS = 24


class ApprovalRefused(Forbidden):
    code = "approval_refused"


class ApprovalGrantRefused(ApprovalRefused):
    """The separation-of-duties rule refuses this approver this role change (app.accounts.duties.grant_refusal):
    the screen words the code (app.navigation.ERROR_EXPLANATIONS); the rule's English reason is for the log."""

    code = "approval_grant_refused"


class ApprovalNotUsable(Conflict):
    code = "approval_not_usable"


# Operations that run the moment they are approved (the others are used later by the action they allow).
_RUN_ON_APPROVAL: dict[ApprovalKind, Callable[[Session, Approval, datetime], None]] = {}


def runs_on_approval(kind: ApprovalKind) -> Callable:
    """Register what an approved request of this kind does at once (role changes, contract terms)."""

    def register(func: Callable[[Session, Approval, datetime], None]) -> Callable:
        _RUN_ON_APPROVAL[kind] = func
        return func

    return register


def _effective_status(approval: Approval, now: datetime) -> str:
    if approval.status == "pending" and approval.expires_at <= now:
        return "expired"
    if approval.status == "approved" and approval.expires_at <= now:
        return "expired"
    return approval.status


def request_approval(
    session: Session,
    kind: ApprovalKind,
    payload: dict,
    requester: WebPrincipal,
    *,
    project_id: int | None,
    reason: str,
    now: datetime,
) -> Approval:
    """File a request; nothing runs until someone else approves it."""
    if requester.role not in REQUESTERS[kind]:
        raise ApprovalRefused(f"your role may not ask for {kind.value}")
    approval = Approval(
        project_id=project_id,
        kind=kind.value,
        payload=payload,
        reason=reason[:500],
        requested_by=requester.user_id,
        requested_at=now,
        expires_at=now + timedelta(hours=PENDING_HOURS),
    )
    session.add(approval)
    session.flush()
    record_event(
        session,
        "approval.request",
        project_id=project_id,
        actor_user_id=requester.user_id,
        actor_role=requester.role,
        object_type="approval",
        object_id=approval.id,
        detail={"kind": kind.value},
        source_ip=getattr(requester, "source_ip", None),
    )
    return approval


def _record_denial(session: Session, approval: Approval, approver: WebPrincipal, detail: dict) -> None:
    record_event(
        session,
        "approval.decide",
        project_id=approval.project_id,
        actor_user_id=approver.user_id,
        actor_role=approver.role,
        object_type="approval",
        object_id=approval.id,
        outcome="denied",
        detail=detail,
        source_ip=getattr(approver, "source_ip", None),
    )


def decide(
    session: Session, approval_id: int, approver: WebPrincipal, *, approve: bool, note: str, now: datetime
) -> Approval:
    """Approve or reject: never by the requester, only by a role of the right side, only while pending."""
    approval = session.get(Approval, approval_id)
    if approval is None or (approval.project_id not in (None, approver.project_id) and approver.project_id is not None):
        raise NotFound(f"approval {approval_id} does not exist", code="approval_not_found")
    kind = ApprovalKind(approval.kind)
    if approval.requested_by == approver.user_id:
        _record_denial(session, approval, approver, {"reason": "requester"})
        raise ApprovalRefused("you asked for this yourself: another person must approve it", keep_writes=True)
    if approver.role not in APPROVERS[kind]:
        raise ApprovalRefused(f"your role may not approve {kind.value}")
    status = _effective_status(approval, now)
    if status != "pending":
        raise ApprovalNotUsable(f"this request is {status}, not pending")
    if kind == ApprovalKind.role_change:
        try:
            duties.check_grant_approver(
                session, approval.payload, requested_by=approval.requested_by, approver_id=approver.user_id
            )
        except duties.GrantRefused as exc:
            _record_denial(session, approval, approver, {"reason": "separation_of_duties", "kind": kind.value})
            raise ApprovalGrantRefused(exc.detail, keep_writes=True) from exc
    approval.status = "approved" if approve else "rejected"
    approval.decided_by, approval.decided_at, approval.decision_note = approver.user_id, now, note[:500]
    if approve:
        approval.expires_at = now + timedelta(hours=USE_WITHIN_HOURS)
    session.add(approval)
    record_event(
        session,
        "approval.decide",
        project_id=approval.project_id,
        actor_user_id=approver.user_id,
        actor_role=approver.role,
        object_type="approval",
        object_id=approval.id,
        outcome=approval.status,
        detail={"kind": kind.value},
        source_ip=getattr(approver, "source_ip", None),
    )
    if approve and kind in _RUN_ON_APPROVAL:
        _RUN_ON_APPROVAL[kind](session, approval, now)
        approval.status, approval.used_at = "used", now
        session.add(approval)
    if kind == ApprovalKind.role_change:
        cancel_role_changes(session, int(approval.payload["user_id"]), because=approval, actor=approver, now=now)
    if not approve and kind == ApprovalKind.role_change:
        user = session.get(User, int(approval.payload["user_id"]))
        if user is not None:
            duties.refuse_grant(session, user, approver_id=approver.user_id, approval_id=approval.id)
    session.flush()
    return approval


def pending_role_changes(session: Session, user_id: int, now: datetime) -> list[Approval]:
    """The role-change requests still pending (not expired) for one account, oldest first."""
    rows = session.exec(
        select(Approval)
        .where(Approval.kind == ApprovalKind.role_change.value, Approval.status == "pending", Approval.expires_at > now)
        .order_by(col(Approval.id))
    ).all()
    return [a for a in rows if int(a.payload.get("user_id", 0)) == user_id]


def cancel_role_changes(
    session: Session, user_id: int, *, because: Approval, actor: WebPrincipal, now: datetime
) -> list[Approval]:
    """Cancel the account's other pending role changes once one was decided (`because`); each is audited
    (approval.cancel, detail: kind and the deciding request's id) and shows as cancelled on the Approvals page."""
    cancelled = [a for a in pending_role_changes(session, user_id, now) if a.id != because.id]
    for other in cancelled:
        other.status, other.decided_by, other.decided_at = "cancelled", actor.user_id, now
        other.decision_note = f"#{because.id}"
        session.add(other)
        record_event(
            session,
            "approval.cancel",
            project_id=other.project_id,
            actor_user_id=actor.user_id,
            actor_role=actor.role,
            object_type="approval",
            object_id=other.id,
            outcome="cancelled",
            detail={"kind": other.kind, "because": because.id, "user_id": user_id},
            source_ip=getattr(actor, "source_ip", None),
        )
    return cancelled


def use_approval(
    session: Session, approval_id: int, kind: ApprovalKind, *, project_id: int | None, now: datetime
) -> dict:
    """Spend an approved request of this kind (once, before it expires); returns its payload."""
    approval = session.get(Approval, approval_id)
    if approval is None or approval.kind != kind.value or approval.project_id != project_id:
        raise ApprovalNotUsable(f"there is no {kind.value} approval {approval_id}")
    status = _effective_status(approval, now)
    if status != "approved":
        raise ApprovalNotUsable(f"approval {approval_id} is {status}; it must be approved and unused")
    approval.status, approval.used_at = "used", now
    session.add(approval)
    record_event(
        session,
        "approval.use",
        project_id=project_id,
        object_type="approval",
        object_id=approval.id,
        detail={"kind": kind.value},
    )
    return dict(approval.payload)


def approvals_for(session: Session, principal: WebPrincipal, now: datetime) -> tuple[list[Approval], list[Approval]]:
    """Requests this user may decide now, and this user's own recent requests."""
    rows = session.exec(
        select(Approval)
        .where(col(Approval.project_id).is_(None) | (Approval.project_id == principal.project_id))
        .order_by(col(Approval.id).desc())
        .limit(200)
    ).all()
    to_decide = [
        a
        for a in rows
        if _effective_status(a, now) == "pending"
        and a.requested_by != principal.user_id
        and principal.role in APPROVERS[ApprovalKind(a.kind)]
        and (a.kind != ApprovalKind.role_change or duties.may_approve_grant(principal.role, a.payload))
        and a.payload.get("user_id") != principal.user_id
    ]
    mine = [a for a in rows if a.requested_by == principal.user_id]
    return to_decide, mine


def status_of(approval: Approval, now: datetime) -> str:
    """pending, approved, rejected, expired, used or cancelled, as of now."""
    return _effective_status(approval, now)


@runs_on_approval(ApprovalKind.role_change)
def _apply_role_change(session: Session, approval: Approval, now: datetime) -> None:
    from app.accounts.enrolment import reset_unless_vouched  # imported when used: enrolment needs signin and duties
    from app.accounts.signin import end_all_sessions

    user = session.get(User, int(approval.payload["user_id"]))
    if user is None:
        raise NotFound("the user of this role change no longer exists", code="user_not_found")
    how = approval.payload.get("grant", duties.CHANGE)
    reset_unless_vouched(session, user, role=approval.payload["role"], approval_id=approval.id, now=now)
    duties.apply_grant(
        session, user, role=approval.payload["role"], approver_id=approval.decided_by, approval_id=approval.id, how=how
    )
    end_all_sessions(session, user.id, now=now)  # new rights start with a new sign-in
