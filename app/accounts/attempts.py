"""One sign-in policy for every door: the browser, the station API, the second factor and re-authentication.

- Per address: `address_failures` failed attempts (of any door) within `address_window_minutes` → 429 for
  that address (it says nothing about any user).
- Per account: `account_failures` failures — wrong passwords and wrong second-factor codes together — lock
  the account for `lock_minutes`. The count is reset only by a *complete* sign-in (every factor passed), so
  signing in again with the password does not buy more guesses at the code.
- Per half-signed-in session: `session_factor_failures` wrong codes end the session (sign in again).
- The same answer (401 bad_credentials, the same message, after the same argon2 work) for a wrong password,
  an unknown user, a disabled or locked account, one whose owner has not enrolled yet (its page says how a new
  account starts) — and, at a station, for the right password of a user who may not capture there: that
  refusal also counts as a failure, so the lockout cannot tell it apart either.
Source: OWASP ASVS 4.0 V2.2.1 (anti-automation), V3.2.1 (a new session token on authentication),
GB/T 22239-2019 8.1.4.1 b) (login failure handling).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.exceptions import BadCredentials, BadSecondFactor, TooManyAttempts
from app.accounts.models import LoginFailure, User, WebSession
from app.audit.service import record_event
from app.core.security import new_token, token_hash, verify_password

REFUSAL = "wrong user name or password (or the account is locked for a few minutes after repeated failures)"


@dataclass(frozen=True)
class AttemptLimits:
    """The numbers of the policy (from the settings)."""

    account_failures: int = 5
    lock_minutes: int = 15
    address_failures: int = 20
    address_window_minutes: int = 15
    session_factor_failures: int = 3


def check_address(session: Session, source_ip: str, *, now: datetime, limits: AttemptLimits, door: str) -> None:
    """429 (TooManyAttempts) when the address has failed too often lately, at any door."""
    since = now - timedelta(minutes=limits.address_window_minutes)
    recent = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.source_ip == source_ip, LoginFailure.at >= since)
    ).one()
    if recent >= limits.address_failures:
        record_event(
            session, "signin", source_ip=source_ip, outcome="throttled", detail={"scope": "address", "door": door}
        )
        raise TooManyAttempts("too many failed sign-ins from this address; wait a few minutes", keep_writes=True)


def count_failure(
    session: Session,
    user: User | None,
    *,
    username: str,
    source_ip: str,
    now: datetime,
    limits: AttemptLimits,
) -> None:
    """One failed attempt: for the address, and for the account (locking it at the limit)."""
    session.add(LoginFailure(source_ip=source_ip, username=username[:64], at=now))
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= limits.account_failures:
            user.locked_until = now + timedelta(minutes=limits.lock_minutes)
            user.failed_logins = 0
        session.add(user)


def check_password(
    session: Session,
    *,
    username: str,
    password: str,
    source_ip: str,
    now: datetime,
    limits: AttemptLimits,
    door: str,
    project_id: int | None = None,
    station_id: int | None = None,
    may_use_door=None,  # noqa: ANN001  (Callable[[User], bool] | None: e.g. a station's roles and project)
) -> User:
    """The password step of every door; the user, or the one refusal for every reason (audited with the real one).

    The password is always checked (argon2, or the same work against a dummy hash), even for a locked,
    disabled or unknown account, so the time taken tells nothing either.
    """
    check_address(session, source_ip, now=now, limits=limits, door=door)
    user = session.exec(select(User).where(User.username == username)).first()
    right = verify_password(password, user.password_hash if user else None)
    reason = None
    if user is not None and user.locked_until is not None and user.locked_until > now:
        reason = "locked"
    elif user is not None and user.enrolment_pending:
        reason = "not_enrolled"  # nobody knows its password yet: its owner has not used the enrolment link
    elif user is None or not right:
        reason = "bad_credentials"
    elif not user.active:
        reason = "disabled"
    elif may_use_door is not None and not may_use_door(user):
        reason = "role_not_allowed"
    if reason is None:
        return user
    # A locked account is not locked longer by more tries; its address still counts them.
    count_failure(
        session, None if reason == "locked" else user, username=username, source_ip=source_ip, now=now, limits=limits
    )
    record_event(
        session,
        f"{door}.login" if door == "station" else "signin",
        project_id=project_id if project_id is not None else (user.project_id if user else None),
        actor_user_id=user.id if user else None,
        actor_station_id=station_id,
        source_ip=source_ip,
        outcome="locked" if reason == "locked" else "failure",
        detail={"reason": reason, "door": door},
    )
    raise BadCredentials(REFUSAL, keep_writes=True)


def second_factor_failed(
    session: Session, web: WebSession, user: User, *, source_ip: str, now: datetime, limits: AttemptLimits
) -> None:
    """A wrong code: counts for the session (ending it at its limit) and for the account; then BadSecondFactor."""
    web.factor_failures += 1
    count_failure(session, user, username=user.username, source_ip=source_ip, now=now, limits=limits)
    ended = web.factor_failures >= limits.session_factor_failures or (
        user.locked_until is not None and user.locked_until > now
    )
    if ended:
        web.ended_at = now
    session.add(web)
    record_event(
        session,
        "signin.second_factor",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="web_session",
        object_id=web.id,
        outcome="failure",
        detail={"session_failures": web.factor_failures, "session_ended": ended},
    )
    if ended:
        raise BadSecondFactor("too many wrong codes: sign in again", code="signin_restart", keep_writes=True)
    raise BadSecondFactor("the code is wrong, expired or already used", keep_writes=True)


def signin_complete(session: Session, user: User) -> None:
    """Every factor passed: the account's failure count starts again."""
    user.failed_logins, user.locked_until = 0, None
    session.add(user)


def reauthentication_failed(
    session: Session, user: User, *, source_ip: str, now: datetime, limits: AttemptLimits, purpose: str
) -> None:
    """A wrong current password when re-authenticating counts like any failed sign-in; then BadCredentials.

    When it locks the account, every session of the user ends: whoever is guessing holds one of them.
    """
    count_failure(session, user, username=user.username, source_ip=source_ip, now=now, limits=limits)
    if user.locked_until is not None and user.locked_until > now:
        session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id, col(WebSession.ended_at).is_(None))
            .values(ended_at=now)
        )
    record_event(
        session,
        f"account.{purpose}",
        project_id=user.project_id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        outcome="failure",
        detail={"reason": "reauthentication"},
    )
    raise BadCredentials("the current password is wrong", keep_writes=True)


def replace_session(session: Session, web: WebSession, *, now: datetime) -> tuple[WebSession, str]:
    """A step up (second factor, new second factor, new password) gets a new session id; the old one ends.

    Returns the new session and its cookie token. Whoever learnt the half-signed-in session's cookie gains
    nothing from the step up (session fixation).
    """
    token = new_token("fws")
    fresh = WebSession(
        user_id=web.user_id,
        token_hash=token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        mfa_passed=web.mfa_passed,
        created_at=web.created_at,  # the absolute lifetime still counts from the sign-in
        last_seen_at=now,
        expires_at=web.expires_at,
        source_ip=web.source_ip,
    )
    web.ended_at = now
    session.add_all([web, fresh])
    session.flush()
    record_event(
        session,
        "session.replace",
        actor_user_id=web.user_id,
        object_type="web_session",
        object_id=fresh.id,
        detail={"replaces": web.id},
    )
    return fresh, token
