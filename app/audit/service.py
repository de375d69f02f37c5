"""Writing audit events into the chain, inside the caller's transaction."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, text, update
from sqlmodel import Session, col, select

from app.audit.keys import audit_key
from app.audit.models import AuditEvent
from app.audit.rules import (
    CHAINED_FIELDS,
    GENESIS_HASH,
    ChainProblem,
    compare_with_head,
    event_hash,
    event_mac,
    verify_chain,
)
from app.core.clock import utcnow


def _lock_chain(session: Session) -> None:
    # PostgreSQL: serialize writers of the chain until commit. SQLite: writers are already serialized
    # by BEGIN IMMEDIATE, the one write lock of the database.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7071)"))


def record_event(
    session: Session,
    action: str,
    *,
    project_id: int | None = None,
    actor_user_id: int | None = None,
    actor_station_id: int | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    source_ip: str | None = None,
    outcome: str = "success",
    detail: dict | None = None,
) -> AuditEvent:
    """Append an event to the chain; it commits or rolls back with the action it records."""
    _lock_chain(session)
    # only id and hash: a damaged detail or time in the last row must not stop every later action
    head = session.exec(select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    prev_hash = head.hash if head else GENESIS_HASH
    event = AuditEvent(
        id=(head.id + 1) if head and head.id else 1,
        at=utcnow(),
        project_id=project_id,
        actor_user_id=actor_user_id,
        actor_station_id=actor_station_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        source_ip=source_ip,
        outcome=outcome,
        detail=detail or {},
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = event_hash(prev_hash, event.model_dump())
    event.mac = event_mac(audit_key(), event.hash)
    session.add(event)
    session.flush()
    return event


def _raw_row(row: Any) -> dict:
    """One stored event as the chain rules read it; a field that cannot be read makes it `malformed`."""
    event: dict[str, Any] = {name: getattr(row, name) for name in CHAINED_FIELDS if name not in ("at", "detail")}
    event.update(prev_hash=row.prev_hash, hash=row.hash, mac=row.mac)
    problems = []
    try:
        event["at"] = datetime.fromisoformat(str(row.at)).replace(tzinfo=UTC)
    except ValueError:
        problems.append("its time is not a date and time")
    try:
        event["detail"] = json.loads(row.detail) if row.detail is not None else None
    except ValueError:
        problems.append("its detail is not JSON")
    if problems:
        event["malformed"] = " and ".join(problems)
    return event


def _stored_columns() -> list[Any]:
    """The event's columns, with time and detail read as the stored text (parsed by `_raw_row`)."""
    t = AuditEvent.__table__  # type: ignore[attr-defined]
    return [c if c.name not in ("at", "detail") else cast(c, Text).label(c.name) for c in t.columns]


def iter_events(session: Session, batch: int = 5000) -> Iterator[dict]:
    """Every event as a dict, in id order, read in batches; time and detail are parsed here, row by row.

    They are read as text (not through the column types) so that one damaged row is reported by its id
    instead of stopping the whole check.
    """
    t = AuditEvent.__table__  # type: ignore[attr-defined]
    columns = _stored_columns()
    last = 0
    while True:
        rows = session.execute(select(*columns).where(t.c.id > last).order_by(t.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield _raw_row(row)
        last = rows[-1].id


@dataclass
class ChainReport:
    """What `folio audit verify` found: how many events, and every problem (empty list: intact)."""

    events: int
    last_id: int | None
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True only for a non-empty chain without a single problem."""
        return self.events > 0 and not self.problems


def verify_audit_chain(session: Session, head: dict | None = None, key: bytes | None = None) -> ChainReport:
    """Check the whole chain with the audit key; with an exported head, also that the chain still reaches it.

    An empty trail is reported as a problem (it proves nothing); without a head, a cut-off tail cannot be seen.
    """
    key = audit_key(create=False) if key is None else key
    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for event in iter_events(session):
            count += 1
            yield event

    problems = verify_chain(counted(), key)
    last_id = session.exec(select(func.max(AuditEvent.id))).one()
    if count == 0:
        problems.append(ChainProblem(None, -1, "the audit trail is empty: there is nothing to verify"))
    if head is not None:
        head_id = head.get("id") if isinstance(head.get("id"), int) else None
        stored = (
            session.exec(select(AuditEvent.hash).where(AuditEvent.id == head_id)).first()
            if head_id is not None
            else None
        )
        problem = compare_with_head(last_id, stored, head)
        if problem:
            problems.append(ChainProblem(head_id, -1, problem))
    return ChainReport(count, last_id, problems)


def verify_lines(report: ChainReport, head: dict | None) -> tuple[list[str], bool]:
    """What `folio audit verify` prints for a report, and whether the trail is intact (exit 0)."""
    lines = [
        f"BROKEN at event {p.event_id} (position {p.position}): {p.problem}"
        if p.position >= 0
        else f"BROKEN: {p.problem}"
        for p in report.problems
    ]
    if report.problems:
        lines.append(f"audit trail: {len(report.problems)} problems in {report.events} events")
        return lines, False
    suffix = f", head {head['id']} present" if head else " (no exported head given: a cut-off tail cannot be seen)"
    return [f"audit trail intact: {report.events} events, every MAC right{suffix}"], True


def rekey_chain(session: Session, key: bytes | None = None) -> int:
    """Give every event written before the audit key its MAC, after checking the unkeyed chain is intact.

    Returns how many events were sealed; refuses (ValueError) when the chain is broken, since sealing it
    would vouch for whatever was changed. Recorded as an `audit.rekey` event.
    """
    key = audit_key() if key is None else key
    problems = verify_chain(iter_events(session))
    if problems:
        first = problems[0]
        raise ValueError(f"the chain is broken at event {first.event_id} ({first.problem}); nothing was sealed")
    events = list(iter_events(session))
    keyed = [e["id"] for e in events if e["mac"]]
    late = [e["id"] for e in events if not e["mac"] and keyed and e["id"] > keyed[0]]
    if late:  # only the events written before the key existed (a prefix of the chain) may be sealed
        raise ValueError(
            f"event {late[0]} carries no MAC although it comes after keyed events: it was written or altered "
            "without the key; nothing was sealed"
        )
    _lock_chain(session)
    sealed = 0
    for event in events:
        if not event["mac"]:
            session.execute(
                update(AuditEvent).where(AuditEvent.id == event["id"]).values(mac=event_mac(key, event["hash"]))
            )
            sealed += 1
    record_event(session, "audit.rekey", detail={"sealed": sealed})
    return sealed


def chain_head(session: Session) -> dict | None:
    """The newest event's id, hash and time: what `folio audit export-head` writes out."""
    head = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    if head is None:
        return None
    return {"id": head.id, "hash": head.hash, "at": head.at.isoformat()}


def search_events(
    session: Session,
    *,
    action: str | None = None,
    user_id: int | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
    project_id: int | None = None,
) -> list[AuditEvent]:
    """Events matching the filters, newest first, a page at a time (keyset on id).

    With `project_id` (an audit administrator of one project) only that project's events: those recorded
    for it, and those recorded without a project whose actor is one of its users (e.g. their failed
    sign-ins). Without it (a system-wide audit administrator) every event.
    """
    query = select(*_stored_columns())  # a damaged row is shown, not a 500
    if project_id is not None:
        from app.accounts.models import User

        members = select(User.id).where(User.project_id == project_id)
        query = query.where(
            (AuditEvent.project_id == project_id)
            | (col(AuditEvent.project_id).is_(None) & col(AuditEvent.actor_user_id).in_(members))
        )
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    if user_id is not None:
        query = query.where(AuditEvent.actor_user_id == user_id)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = session.execute(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    return [_shown_event(row) for row in rows]


def _shown_event(row: Any) -> AuditEvent:
    """A stored row as an (unsaved) event for the screens; a damaged time is None and a damaged detail is
    kept as its text under "damaged", so that an altered trail can still be read, not answer 500."""
    event = _raw_row(row)
    if "malformed" in event:
        if not isinstance(event.get("at"), datetime):
            event["at"] = None
        if "detail" not in event:
            event["detail"] = {"damaged": row.detail}
    fields = {name: event.get(name) for name in AuditEvent.model_fields}
    return AuditEvent.model_construct(**fields)
