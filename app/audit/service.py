"""Writing audit events into the chain, inside the caller's transaction."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.audit.rules import GENESIS_HASH, ChainProblem, event_hash, verify_chain
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
    head = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
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
    session.add(event)
    session.flush()
    return event


def iter_events(session: Session, batch: int = 5000) -> Iterator[dict]:
    """Every event as a dict, in id order, read in batches."""
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.id > last).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.model_dump()
        last = rows[-1].id or last


def verify_audit_chain(session: Session, head: dict | None = None) -> list[ChainProblem]:
    """Check the whole chain in id order; with an exported head, also that the chain still reaches it."""
    problems = verify_chain(iter_events(session))
    if head is not None:
        event = session.get(AuditEvent, int(head["id"]))
        if event is None or event.hash != head["hash"]:
            problems.append(ChainProblem(int(head["id"]), -1, "the exported head is no longer in the chain"))
    return problems


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
) -> list[AuditEvent]:
    """Events matching the filters, newest first, a page at a time (keyset on id)."""
    query = select(AuditEvent)
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
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)))
