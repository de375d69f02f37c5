"""Users, stations and operator sessions at stations."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts.attempts import AttemptLimits, check_password, signin_complete
from app.accounts.exceptions import (
    BadStationToken,
    CannotDisableSelf,
    OperatorSessionExpired,
    UsernameTaken,
    UserNotFound,
)
from app.accounts.models import Role, Station, StationSession, User
from app.accounts.passwords import check_password_strength
from app.accounts.signin import end_all_sessions
from app.audit.service import record_event
from app.core.security import hash_password, new_token, token_hash

STATION_ROLES = {Role.operator, Role.vendor_qc}


@dataclass(frozen=True)
class StationPrincipal:
    """An operator signed in at a station: who uploads, from where, for which project."""

    station_id: int
    project_id: int
    user_id: int
    role: str
    username: str
    session_id: int


def create_user(
    session: Session,
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None = None,
    project_id: int | None = None,
) -> User:
    """Add a user with an argon2id password hash (the console, the demo, tests), or with `password=None` one
    nobody knows: the account then waits for its owner's enrolment link (app/accounts/enrolment.py)."""
    if password is not None:
        check_password_strength(password, username)
    if session.exec(select(User).where(User.username == username)).first():
        raise UsernameTaken(f"username {username!r} is already taken")
    user = User(
        username=username,
        display_name=display_name or username,
        role=Role(role).value,
        password_hash=hash_password(password if password is not None else secrets.token_urlsafe(32)),
        project_id=project_id,
        enrolment_pending=password is None,
    )
    session.add(user)
    session.flush()
    record_event(
        session, "user.create", project_id=project_id, object_type="user", object_id=user.id, detail={"role": user.role}
    )
    return user


def create_station(session: Session, *, project_id: int, name: str) -> tuple[Station, str]:
    """Register a capture PC; returns the station and its token (shown once, stored only hashed)."""
    token = new_token("fst")
    station = Station(project_id=project_id, name=name, token_hash=token_hash(token))
    session.add(station)
    session.flush()
    record_event(session, "station.create", project_id=project_id, object_type="station", object_id=station.id)
    return station, token


def station_by_token(session: Session, token: str) -> Station:
    """The active station holding this token, or BadStationToken."""
    station = session.exec(select(Station).where(Station.token_hash == token_hash(token))).first()
    if station is None or not station.active or station.revoked_at is not None:
        raise BadStationToken("station token is unknown or revoked")
    return station


@dataclass(frozen=True)
class OpenedSession:
    """A new operator session: the token is shown to the station once."""

    principal: StationPrincipal
    token: str
    expires_at: datetime
    display_name: str


def open_station_session(
    session: Session,
    *,
    station_token: str,
    username: str,
    password: str,
    now: datetime,
    hours: int,
    source_ip: str | None = None,
    limits: AttemptLimits | None = None,
) -> OpenedSession:
    """Sign an operator in at a station, under the one sign-in policy of every door (app/accounts/attempts.py).

    A user who may not capture at this station (role or project) gets the very refusal of a wrong password,
    after the same work, counted as a failure: the station API tells nothing about whose password is right.
    """
    station = station_by_token(session, station_token)
    user = check_password(
        session,
        username=username,
        password=password,
        source_ip=source_ip or "unknown",
        now=now,
        limits=limits or AttemptLimits(),
        door="station",
        project_id=station.project_id,
        station_id=station.id,
        may_use_door=lambda u: u.role in STATION_ROLES and u.project_id in (None, station.project_id),
    )
    signin_complete(session, user)
    token = new_token("fop")
    op_session = StationSession(
        station_id=station.id,
        user_id=user.id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    station.last_seen_at = now
    session.add(op_session)
    session.add(station)
    session.flush()
    record_event(
        session,
        "station.login",
        project_id=station.project_id,
        actor_station_id=station.id,
        actor_user_id=user.id,
        actor_role=user.role,
        source_ip=source_ip,
        object_type="station_session",
        object_id=op_session.id,
    )
    principal = StationPrincipal(station.id, station.project_id, user.id, user.role, user.username, op_session.id)
    return OpenedSession(principal, token, op_session.expires_at, user.display_name)


def resolve_station_principal(
    session: Session, *, station_token: str, operator_token: str, now: datetime
) -> StationPrincipal:
    """Check both tokens: an active station and an unexpired operator session opened at that station."""
    station = station_by_token(session, station_token)
    op_session = session.exec(
        select(StationSession).where(StationSession.token_hash == token_hash(operator_token))
    ).first()
    if op_session is None or op_session.station_id != station.id:
        raise OperatorSessionExpired("operator is not signed in at this station")
    if op_session.ended_at is not None or op_session.expires_at <= now:
        raise OperatorSessionExpired("operator session has ended; sign in again")
    user = session.get(User, op_session.user_id)
    if user is None or not user.active:
        raise OperatorSessionExpired("operator account is disabled")
    return StationPrincipal(station.id, station.project_id, user.id, user.role, user.username, op_session.id)


def close_station_session(session: Session, principal: StationPrincipal, now: datetime) -> None:
    """Sign the operator out of the station."""
    op_session = session.get(StationSession, principal.session_id)
    if op_session is not None and op_session.ended_at is None:
        op_session.ended_at = now
        session.add(op_session)
        record_event(
            session,
            "station.logout",
            project_id=principal.project_id,
            actor_station_id=principal.station_id,
            actor_user_id=principal.user_id,
            actor_role=principal.role,
            object_type="station_session",
            object_id=op_session.id,
        )


def project_users(session: Session, project_id: int | None) -> list[User]:
    """The users of a project (and system-wide users), by user name."""
    query = select(User).order_by(User.username)
    if project_id is not None:
        query = query.where((User.project_id == project_id) | (User.project_id.is_(None)))  # type: ignore[union-attr]
    return list(session.exec(query))


def set_user_active(
    session: Session, user_id: int, active: bool, *, actor_id: int, now: datetime, project_id: int | None
) -> User:
    """Enable or disable a user; disabling ends every session they have, browser and station."""
    user = session.get(User, user_id)
    if user is None or (project_id is not None and user.project_id not in (None, project_id)):
        raise UserNotFound(f"user {user_id} does not exist")
    if user.id == actor_id and not active:
        raise CannotDisableSelf("you cannot disable your own account")
    user.active = active
    session.add(user)
    if not active:
        from app.accounts.enrolment import void_links  # enrolment builds on this module's neighbours

        end_all_sessions(session, user.id, now=now)
        void_links(session, user.id, now=now, why="disabled", actor_id=actor_id)
        session.execute(
            update(StationSession)
            .where(StationSession.user_id == user.id, StationSession.ended_at.is_(None))  # type: ignore[union-attr]
            .values(ended_at=now)
        )
    record_event(
        session,
        "user.enable" if active else "user.disable",
        project_id=user.project_id,
        actor_user_id=actor_id,
        object_type="user",
        object_id=user.id,
    )
    return user


def project_stations(session: Session, project_id: int) -> list[Station]:
    """The project's capture stations."""
    return list(session.exec(select(Station).where(Station.project_id == project_id).order_by(Station.id)))


def revoke_station(session: Session, station_id: int, *, project_id: int, actor_id: int, now: datetime) -> Station:
    """Revoke a station's token at once; its operators' sessions end too."""
    station = session.get(Station, station_id)
    if station is None or station.project_id != project_id:
        raise UserNotFound(f"station {station_id} does not exist")
    station.active, station.revoked_at = False, now
    session.add(station)
    session.execute(
        update(StationSession)
        .where(StationSession.station_id == station.id, StationSession.ended_at.is_(None))  # type: ignore[union-attr]
        .values(ended_at=now)
    )
    record_event(
        session,
        "station.revoke",
        project_id=project_id,
        actor_user_id=actor_id,
        object_type="station",
        object_id=station.id,
    )
    return station
