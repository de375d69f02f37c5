"""What is out: the records whose paper is with the vendor, oldest first, with the overdue ones flagged."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.core.clock import local_date
from app.custody.models import (
    Box,
    CustodyState,
    Handover,
    RecordCustody,
    Shelf,
)
from app.custody.policy import DEFAULT_OVERDUE_DAYS, policy
from app.custody.rules import (
    days_out,
    handover_label,
    is_overdue,
)
from app.projects.models import Project
from app.records.models import Record

# --- what is out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutRow:
    """A record whose paper is out (or on its way out), for the outstanding list."""

    record: Record
    custody: RecordCustody
    checkout_label: str
    receiver: str
    days: int | None
    overdue: bool
    box: str | None
    shelf: str | None


@dataclass
class Outstanding:
    """What is out and for how long; how many are past the project's limit."""

    rows: list[OutRow] = field(default_factory=list)
    out: int = 0
    pending: int = 0
    overdue: int = 0
    limit_days: int = DEFAULT_OVERDUE_DAYS


def outstanding(session: Session, project: Project, *, now: datetime, limit: int = 2000) -> Outstanding:
    """Every record out of the records room, longest out first, with days out and a warning past the limit."""
    rules = policy(session, project.id)
    today = local_date(now, project.timezone)
    stmt = (
        select(Record, RecordCustody, Handover, User, Box, Shelf)
        .join(RecordCustody, col(RecordCustody.record_id) == col(Record.id))
        .join(Handover, col(Handover.id) == col(RecordCustody.checkout_id))
        .join(User, col(User.id) == col(Handover.received_by))
        .outerjoin(Box, col(Box.id) == col(RecordCustody.box_id))
        .outerjoin(Shelf, col(Shelf.id) == col(Box.shelf_id))
        .where(
            RecordCustody.project_id == project.id,
            col(RecordCustody.state).in_([CustodyState.out, CustodyState.pending_out]),
        )
        .order_by(col(RecordCustody.out_since).is_(None), col(RecordCustody.out_since), col(Record.mrn))
        .limit(limit)
    )
    result = Outstanding(limit_days=rules.overdue_days)
    for record, custody, handover, receiver, box, shelf in session.exec(stmt):
        days = days_out(local_date(custody.out_since, project.timezone), today) if custody.out_since else None
        overdue = days is not None and is_overdue(days, rules.overdue_days)
        result.rows.append(
            OutRow(
                record,
                custody,
                handover_label(handover.kind, handover.number),
                receiver.display_name,
                days,
                overdue,
                box.barcode if box else None,
                shelf.barcode if shelf else None,
            )
        )
    counts = dict(
        session.exec(
            select(RecordCustody.state, func.count())
            .where(RecordCustody.project_id == project.id)
            .group_by(RecordCustody.state)
        ).all()
    )
    result.out, result.pending = counts.get(CustodyState.out, 0), counts.get(CustodyState.pending_out, 0)
    # Out for more than the limit: confirmed before the local midnight that starts day (today - limit).
    cutoff = datetime.combine(today - timedelta(days=rules.overdue_days), time(0), ZoneInfo(project.timezone))
    result.overdue = session.exec(
        select(func.count())
        .select_from(RecordCustody)
        .where(
            RecordCustody.project_id == project.id,
            RecordCustody.state == CustodyState.out,
            col(RecordCustody.out_since) < cutoff.astimezone(UTC),
        )
    ).one()
    return result
