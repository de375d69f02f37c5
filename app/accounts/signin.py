"""Browser sign-in: passwords with throttling and lockout, sessions with timeouts, and the second factor."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.accounts import totp
from app.accounts.attempts import (
    AttemptLimits,
    check_password,
    reauthentication_failed,
    second_factor_failed,
    signin_complete,
)
from app.accounts.exceptions import BadSecondFactor, NotSignedIn
from app.accounts.models import RecoveryCode, User, WebSession
from app.accounts.passwords import check_password_strength
from app.accounts.permissions import MFA_REQUIRED
from app.audit.service import record_event
from app.core.clock import utcnow
from app.core.security import hash_password, new_token, token_hash, verify_password


@dataclass(frozen=True)
class SignInPolicy(AttemptLimits):
    """Throttling (the attempt limits every door shares) and session lifetimes, from the settings."""

    idle_minutes: int = 30
    absolute_hours: int = 12

    @property
    def limits(self) -> AttemptLimits:
        """The attempt limits shared by every door (the policy is one)."""
        return self


@dataclass(frozen=True)
class WebPrincipal:
    """The signed-in browser user, as routes see it."""

    user_id: int
    username: str
    display_name: str
    role: str
    project_id: int | None
    session_id: int
    csrf_token: str
    mfa_passed: bool
    totp_enrolled: bool
    source_ip: str | None = None  # the address of the request acting (audit events name it)


def needs_second_factor(user: User) -> bool:
    """Important roles always need TOTP; others only once they have enrolled."""
    return user.role in MFA_REQUIRED or user.totp_secret is not None


def authenticate(
    session: Session, *, username: str, password: str, source_ip: str, now: datetime, policy: SignInPolicy
) -> User:
    """The browser's password step: the one sign-in policy of every door (app/accounts/attempts.py)."""
    return check_password(
        session,
        username=username,
        password=password,
        source_ip=source_ip,
        now=now,
        limits=policy.limits,
        door="browser",
    )


def start_session(
    session: Session, user: User, *, source_ip: str, now: datetime, policy: SignInPolicy
) -> tuple[WebSession, str]:
    """A new browser session for a user whose password was right; the second factor may still be due."""
    token = new_token("fws")
    web = WebSession(
        user_id=user.id,
        token_hash=token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        mfa_passed=not needs_second_factor(user),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=policy.absolute_hours),
        source_ip=source_ip,
    )
    session.add(web)
    session.flush()
    if web.mfa_passed:
        signin_complete(session, user)  # every factor passed: the failure count starts again
    record_event(
        session,
        "signin",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="web_session",
        object_id=web.id,
        outcome="success" if web.mfa_passed else "password_ok",
    )
    return web, token


def resolve_session(session: Session, token: str, *, now: datetime, policy: SignInPolicy) -> tuple[WebSession, User]:
    """The live session behind a cookie; ends it when idle or past its absolute lifetime."""
    web = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if web is None or web.ended_at is not None:
        raise NotSignedIn("please sign in")
    user = session.get(User, web.user_id)
    idle = now - web.last_seen_at > timedelta(minutes=policy.idle_minutes)
    if user is None or not user.active or idle or web.expires_at <= now:
        web.ended_at = now
        session.add(web)
        record_event(
            session,
            "session.expire",
            actor_user_id=web.user_id,
            object_type="web_session",
            object_id=web.id,
            detail={"reason": "idle" if idle else "expired"},
        )
        raise NotSignedIn("your session has ended; please sign in again", keep_writes=True)
    if now - web.last_seen_at > timedelta(seconds=60):  # one write a minute is enough for the idle clock
        web.last_seen_at = now
        session.add(web)
    return web, user


def principal_of(web: WebSession, user: User) -> WebPrincipal:
    """The route-facing view of a session."""
    return WebPrincipal(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.project_id,
        web.id,
        web.csrf_token,
        web.mfa_passed,
        user.totp_secret is not None,
    )


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def pass_second_factor(
    session: Session,
    web: WebSession,
    user: User,
    *,
    code: str,
    now: datetime,
    source_ip: str | None = None,
    limits: AttemptLimits | None = None,
) -> None:
    """Accept a fresh TOTP code (each step once) or an unused recovery code; otherwise refuse and audit.

    A wrong code counts for the session and the account (attempts.second_factor_failed: BadSecondFactor, with
    code signin_restart once the session has ended); a locked account is refused whatever the code.
    """
    limits = limits or AttemptLimits()
    if user.locked_until is not None and user.locked_until > now:
        second_factor_failed(session, web, user, source_ip=source_ip or "", now=now, limits=limits)
    used: str | None = None
    if user.totp_secret:
        step = totp.matching_step(user.totp_secret, code, now.timestamp(), user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            used = "totp"
    if used is None:
        recovery = session.exec(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_recovery(code),
                col(RecoveryCode.used_at).is_(None),
            )
        ).first()
        if recovery is not None:
            recovery.used_at = now
            session.add(recovery)
            used = "recovery_code"
    if used is None:
        second_factor_failed(session, web, user, source_ip=source_ip or "", now=now, limits=limits)
    web.mfa_passed = True
    session.add_all([web, user])
    signin_complete(session, user)
    record_event(
        session,
        "signin.second_factor",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="web_session",
        object_id=web.id,
        detail={"method": used},
    )


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten fresh one-time recovery codes for the user (stored hashed; the caller has removed the old ones)."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(10)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(c)) for c in codes)
    return codes


def enroll_totp(
    session: Session,
    web: WebSession,
    user: User,
    *,
    secret: str,
    code: str,
    now: datetime,
    source_ip: str | None = None,
) -> list[str]:
    """Confirm a new TOTP secret with a code from the app; returns ten one-time recovery codes (shown once)."""
    step = totp.matching_step(secret, code, now.timestamp(), None)
    if step is None:
        raise BadSecondFactor("the code does not match; check the phone's clock and try again")
    user.totp_secret, user.totp_last_step = secret, step
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes(session, user)
    web.mfa_passed = True
    session.add_all([web, user])
    signin_complete(session, user)
    record_event(
        session,
        "account.totp_enroll",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="user",
        object_id=user.id,
    )
    return codes


def end_session(session: Session, web_session_id: int, *, now: datetime, source_ip: str | None = None) -> None:
    """Sign out of one browser session."""
    web = session.get(WebSession, web_session_id)
    if web is not None and web.ended_at is None:
        web.ended_at = now
        session.add(web)
        record_event(
            session,
            "signout",
            actor_user_id=web.user_id,
            object_type="web_session",
            object_id=web.id,
            source_ip=source_ip,
        )


def end_all_sessions(session: Session, user_id: int, *, now: datetime) -> None:
    """End every browser session of a user (on disabling the account or changing its password)."""
    session.execute(
        update(WebSession).where(WebSession.user_id == user_id, col(WebSession.ended_at).is_(None)).values(ended_at=now)
    )


def change_password(
    session: Session,
    user: User,
    *,
    current: str,
    new: str,
    keep_session_id: int,
    now: datetime,
    source_ip: str | None = None,
    limits: AttemptLimits | None = None,
) -> None:
    """Re-authenticate with the current password, set the new one, and end every other session of the user."""
    reauthenticate(session, user, current, purpose="password_change", source_ip=source_ip, now=now, limits=limits)
    check_password_strength(new, user.username)
    user.password_hash, user.password_changed_at = hash_password(new), now
    session.add(user)
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.id != keep_session_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    record_event(
        session,
        "account.password_change",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="user",
        object_id=user.id,
    )


def reauthenticate(
    session: Session,
    user: User,
    password: str,
    *,
    purpose: str,
    source_ip: str | None,
    now: datetime | None = None,
    limits: AttemptLimits | None = None,
) -> None:
    """Ask again for the password before a sensitive change of the account (e.g. a new second factor).

    A wrong password counts like a failed sign-in (attempts.reauthentication_failed); a locked account is
    refused even with the right one.
    """
    now = now or utcnow()
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not verify_password(password, user.password_hash):
        reauthentication_failed(
            session, user, source_ip=source_ip or "", now=now, limits=limits or AttemptLimits(), purpose=purpose
        )
