"""A project's custody settings and the capture rule: no capture unless the paper is checked out (when required).

Records may import this module (the capture rule), so it imports nothing from records' service."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.audit.service import record_event
from app.custody.exceptions import HandoverRefused, RecordNotCheckedOut
from app.custody.models import (
    CustodySettings,
    CustodyState,
    RecordCustody,
)
from app.projects.models import Project
from app.records.models import Record

DEFAULT_OVERDUE_DAYS = 14

# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A project's custody rules in force (defaults when nothing was saved)."""

    require_checkout: bool
    overdue_days: int


def policy(session: Session, project_id: int) -> Policy:
    """The project's custody rules; without saved settings capture is not gated and the limit is 14 days."""
    row = session.exec(select(CustodySettings).where(CustodySettings.project_id == project_id)).first()
    if row is None:
        return Policy(require_checkout=False, overdue_days=DEFAULT_OVERDUE_DAYS)
    return Policy(require_checkout=row.require_checkout, overdue_days=row.overdue_days)


def save_policy(
    session: Session, project_id: int, *, require_checkout: bool, overdue_days: int, actor: dict, now: datetime
) -> Policy:
    """Change the project's custody rules (audited)."""
    if not 1 <= overdue_days <= 3650:
        raise HandoverRefused("the warning limit is a number of days from 1 to 3650", code="overdue_days_range")
    row = session.exec(select(CustodySettings).where(CustodySettings.project_id == project_id)).first()
    row = row or CustodySettings(project_id=project_id)
    row.require_checkout, row.overdue_days = require_checkout, overdue_days
    row.updated_at, row.updated_by = now, actor.get("actor_user_id")
    session.add(row)
    session.flush()
    record_event(
        session,
        "custody.settings",
        project_id=project_id,
        object_type="project",
        object_id=project_id,
        detail={"require_checkout": require_checkout, "overdue_days": overdue_days},
        **actor,
    )
    return Policy(require_checkout, overdue_days)


# --- the capture rule ------------------------------------------------------------------------


def custody_of(session: Session, record_id: int) -> RecordCustody | None:
    """The record's custody row (None: its paper never left the records room)."""
    return session.exec(select(RecordCustody).where(RecordCustody.record_id == record_id)).first()


def require_capturable(session: Session, project: Project, record: Record) -> None:
    """Refuse capture (409 record_not_checked_out) when the project requires check-out and the paper is not out."""
    if not policy(session, project.id).require_checkout:
        return
    custody = custody_of(session, record.id) if record.id else None
    if custody is not None and custody.state == CustodyState.out:
        return
    label = f"{record.mrn}/{record.visit}"
    if custody is not None and custody.state == CustodyState.pending_out:
        why = "its check-out is waiting for the vendor's confirmation"
    elif custody is not None and custody.return_id is not None:
        why = "its paper was returned to the records room"
    else:
        why = "its paper has not been checked out of the records room"
    raise RecordNotCheckedOut(f"record {label} cannot be captured: {why}")
