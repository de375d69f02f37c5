"""One-time enrolment links: the owner of an account, and nobody else, chooses its password and second factor.

An account made in the browser has no password anybody knows (a random one, thrown away) and is marked
`enrolment_pending`: it cannot sign in at any door. Its owner opens `/enrol/<token>`, chooses a password
(app/accounts/passwords.py) and — for a role of MFA_REQUIRED — confirms a new TOTP secret on the same visit.

Who sees the link (separation of duties, app/accounts/duties.py):
  - a hospital-side account: the hospital approver who approved its grant (the person who vouches for the
    owner), never the vendor's administrator who asked for it; a new link later only from such an approver;
  - any other account: the administrator who created it, once, to hand over; a new link from an administrator.
An account moved from a non-hospital role to a hospital one is enrolled again the same way on approval: whoever
held it before (the vendor) loses its password and second factor.

A link: 256 random bits, only the SHA-256 stored, valid `enrolment_link_hours` (setting, default 72), usable
once, void when a newer link is issued, when the account is disabled or its grant refused. Every issue, use,
void and refused attempt is audited. The console (`folio user add`) still sets a password directly.
Source: OWASP ASVS 4.0 V2.3.1 (system-generated initial secrets, short-lived, one-time), GB/T 22239-2019 8.1.4.2.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.accounts import totp
from app.accounts.duties import CONFIRMED, ENABLE, GRANT_APPROVERS, NEW, Grant, Side, side_of
from app.accounts.exceptions import BadSecondFactor
from app.accounts.models import Approval, ApprovalKind, EnrolmentLink, RecoveryCode, Role, User
from app.accounts.passwords import check_password_strength
from app.accounts.permissions import MFA_REQUIRED, Perm, allowed
from app.accounts.signin import end_all_sessions, new_recovery_codes
from app.audit.service import record_event
from app.core.errors import AppError, Forbidden, Unprocessable
from app.core.security import hash_password, new_token, token_hash

TOKEN_PREFIX = "fen"  # noqa: S105  (the prefix of every link token, not a secret)
BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
MAX_TOKEN_LENGTH = 100  # a real token is 47 characters; longer text is garbage, answered without a lookup


class EnrolmentLinkInvalid(AppError):
    """The link is unknown, used, expired or void; `reason` says which (unknown, used, expired, void)."""

    status = 410
    code = "enrolment_link_invalid"

    def __init__(self, detail: str, *, reason: str, keep_writes: bool = False) -> None:
        super().__init__(detail, keep_writes=keep_writes)
        self.reason = reason


class EnrolmentLinkRefused(Forbidden):
    code = "enrolment_link_refused"


class PasswordsDiffer(Unprocessable):
    code = "passwords_differ"


def needs_vouching(role: str) -> bool:
    """True when only a hospital approver may see this account's link (a hospital-side role)."""
    return side_of(role) == Side.hospital


def issuer_refusal(session: Session, *, actor_id: int, actor_role: str, target: User) -> str | None:
    """Why this person may not issue a link for `target`, or None (the rule in the module's docstring)."""
    if actor_id == target.id:
        return "nobody issues an enrolment link for his own account"
    if needs_vouching(target.role):
        actor = session.get(User, actor_id)
        if actor_role not in GRANT_APPROVERS[Side.hospital] or actor is None or actor.role_grant not in CONFIRMED:
            return "a hospital-side account's link is issued only by the hospital's custodian or audit administrator"
        return None
    if not allowed(actor_role, Perm.manage_users):
        return "only an administrator issues enrolment links for this account"
    return None


def void_links(session: Session, user_id: int, *, now: datetime, why: str, actor_id: int | None = None) -> int:
    """Void every open link of the account (why: new_link, disabled, refused, used); returns how many."""
    open_ids = list(
        session.exec(
            select(EnrolmentLink.id).where(
                EnrolmentLink.user_id == user_id,
                col(EnrolmentLink.used_at).is_(None),
                col(EnrolmentLink.voided_at).is_(None),
            )
        )
    )
    if not open_ids:
        return 0
    session.execute(update(EnrolmentLink).where(col(EnrolmentLink.id).in_(open_ids)).values(voided_at=now))
    user = session.get(User, user_id)
    record_event(
        session,
        "enrolment.void",
        project_id=user.project_id if user else None,
        actor_user_id=actor_id,
        object_type="user",
        object_id=user_id,
        detail={"links": len(open_ids), "why": why},
    )
    return len(open_ids)


def issue_link(
    session: Session, user: User, *, issued_by: int | None, now: datetime, hours: int, why: str, os_user: str = ""
) -> tuple[EnrolmentLink, str]:
    """A new link for the account (voiding any older one); returns the row and the token (shown once, never
    stored). why: new_account, approved, side_change, new_link, console; at the console `os_user` is who ran the
    command on the server, audited like the console's grants (duties.mark_console_grant)."""
    void_links(session, user.id, now=now, why="new_link", actor_id=issued_by)
    token = new_token(TOKEN_PREFIX)
    link = EnrolmentLink(
        user_id=user.id, token_hash=token_hash(token), issued_by=issued_by, created_at=now,
        expires_at=now + timedelta(hours=hours),
    )  # fmt: skip
    session.add(link)
    session.flush()
    record_event(
        session,
        "enrolment.issue",
        project_id=user.project_id,
        actor_user_id=issued_by,
        object_type="user",
        object_id=user.id,
        detail={"link_id": link.id, "why": why, "hours": hours, "shown_to": issued_by}
        | ({"via": "console", "os_user": os_user} if os_user else {}),
    )
    return link, token


def request_link(
    session: Session, *, actor_id: int, actor_role: str, target: User, now: datetime, hours: int
) -> tuple[EnrolmentLink, str]:
    """An authorised person asks for a new link (a lost or expired one): EnrolmentLinkRefused otherwise."""
    why = issuer_refusal(session, actor_id=actor_id, actor_role=actor_role, target=target)
    if why:
        record_event(
            session,
            "enrolment.issue",
            project_id=target.project_id,
            actor_user_id=actor_id,
            actor_role=actor_role,
            object_type="user",
            object_id=target.id,
            outcome="denied",
        )
        raise EnrolmentLinkRefused(why, keep_writes=True)
    return issue_link(session, target, issued_by=actor_id, now=now, hours=hours, why="new_link")


def reset_for_enrolment(session: Session, user: User, *, now: datetime) -> None:
    """Nobody knows the account's password or holds its second factor any more: it waits for enrolment."""
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # thrown away: no one can sign in with it
    user.totp_secret, user.totp_last_step, user.enrolment_pending = None, None, True
    session.add(user)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    end_all_sessions(session, user.id, now=now)


def vouched_by_hospital(user: User) -> bool:
    """True when the account, as it is now, holds a hospital-side role whose grant the hospital confirmed: its
    owner was enrolled (or is to be) through a hospital approver's link, or at the console."""
    return needs_vouching(user.role) and user.role_grant in CONFIRMED


def reset_unless_vouched(session: Session, user: User, *, role: str, approval_id: int, now: datetime) -> bool:
    """Run just before an approved grant of `role` takes effect; True when it reset the account.

    An account moved into a hospital-side role from anything but a confirmed hospital-side role (a vendor-side or
    neutral one, a pending, refused or legacy grant) is reset: whoever held it so far — the vendor's
    administrator may have enrolled it through a vendor-side link — loses its password, second factor and
    sessions, and the approver receives a new link (after_grant_approved). Decided from the account's state now,
    never from what it was when the request was filed."""
    if not needs_vouching(role) or vouched_by_hospital(user):
        return False
    reset_for_enrolment(session, user, now=now)
    record_event(
        session,
        "enrolment.reset",
        project_id=user.project_id,
        object_type="user",
        object_id=user.id,
        detail={"approval_id": approval_id, "from": user.role, "grant": user.role_grant, "to": Role(role).value},
    )
    return True


def after_grant_approved(session: Session, approval: Approval, *, now: datetime, hours: int) -> str | None:
    """The link an approver sees right after approving a grant, or None.

    A hospital-side account that waits for enrolment after its grant ran — a new one, one reset on the way in
    (reset_unless_vouched), one re-enabled or never set up — gets a new link here, shown to the approver. Other
    grants give no link.
    """
    if approval.kind != ApprovalKind.role_change or approval.status != "used" or approval.decided_by is None:
        return None
    user = session.get(User, int(approval.payload["user_id"]))
    if user is None or not needs_vouching(user.role) or not user.enrolment_pending:
        return None
    why = "approved" if approval.payload.get("grant") in (NEW, ENABLE) else "side_change"
    return issue_link(session, user, issued_by=approval.decided_by, now=now, hours=hours, why=why)[1]


def _refuse(session: Session, link: EnrolmentLink | None, user: User | None, reason: str, source_ip: str | None):
    if link is not None:
        record_event(
            session,
            "enrolment.use",
            project_id=user.project_id if user else None,
            object_type="user",
            object_id=link.user_id,
            source_ip=source_ip,
            outcome="failure",
            detail={"link_id": link.id, "reason": reason},
        )
    messages = {
        "unknown": "this enrolment link is not valid",
        "used": "this enrolment link has been used already",
        "expired": "this enrolment link has expired",
        "void": "this enrolment link was replaced by a newer one or withdrawn",
    }
    return EnrolmentLinkInvalid(messages[reason], reason=reason, keep_writes=link is not None)


def open_link(
    session: Session, token: str, *, now: datetime, source_ip: str | None = None
) -> tuple[EnrolmentLink, User]:
    """The usable link behind a token and its account; EnrolmentLinkInvalid (reason unknown, used, expired or
    void) otherwise — an attempt with a known link is audited. Never raises anything else for any text."""
    link = None
    if token.startswith(TOKEN_PREFIX + "_") and len(token) <= MAX_TOKEN_LENGTH:
        link = session.exec(select(EnrolmentLink).where(EnrolmentLink.token_hash == token_hash(token))).first()
    user = session.get(User, link.user_id) if link is not None else None
    if link is None or user is None:
        raise _refuse(session, None, None, "unknown", source_ip)
    if link.used_at is not None:
        raise _refuse(session, link, user, "used", source_ip)
    if link.voided_at is not None or user.role_grant == Grant.refused:
        raise _refuse(session, link, user, "void", source_ip)
    if link.expires_at <= now:
        raise _refuse(session, link, user, "expired", source_ip)
    return link, user


def valid_secret(secret: str) -> bool:
    """True for a TOTP secret as totp.new_secret makes them (32 base32 characters); anything else is refused
    before it reaches pyotp."""
    return len(secret) == 32 and all(c in BASE32 for c in secret)


def second_factor_due(user: User) -> bool:
    """True when the owner confirms a TOTP secret while enrolling (the role needs a second factor)."""
    return user.role in MFA_REQUIRED


def enrol(
    session: Session,
    token: str,
    *,
    password: str,
    confirm: str,
    secret: str,
    code: str,
    now: datetime,
    source_ip: str | None = None,
) -> tuple[User, list[str]]:
    """Spend a link: set the owner's password (and TOTP secret); returns the account and its recovery codes
    (empty when no second factor was set). Raises EnrolmentLinkInvalid, PasswordsDiffer, WeakPassword or
    BadSecondFactor; nothing changes but an audit event when it raises."""
    link, user = open_link(session, token, now=now, source_ip=source_ip)
    if password != confirm:
        raise PasswordsDiffer("the two passwords differ")
    check_password_strength(password, user.username)
    step = None
    if second_factor_due(user):
        step = totp.matching_step(secret, code, now.timestamp(), None) if valid_secret(secret) else None
        if step is None:
            raise BadSecondFactor("the code does not match; check the phone's clock and try again")
    end_all_sessions(session, user.id, now=now)  # a link may also replace a lost password: old sessions end
    user.password_hash, user.password_changed_at = hash_password(password), now
    user.totp_secret, user.totp_last_step = (secret, step) if step is not None else (None, None)
    user.enrolment_pending, user.failed_logins, user.locked_until = False, 0, None
    session.add(user)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = new_recovery_codes(session, user) if step is not None else []
    link.used_at = now
    session.add(link)
    session.flush()
    void_links(session, user.id, now=now, why="used", actor_id=user.id)
    record_event(
        session,
        "enrolment.use",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        object_type="user",
        object_id=user.id,
        source_ip=source_ip,
        detail={"link_id": link.id, "second_factor": step is not None},
    )
    return user, codes
