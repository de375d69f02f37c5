"""Reading batches: one handover with its people and lines (page and printed sheet), the lists, who must confirm."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.custody.exceptions import HandoverNotFound
from app.custody.models import (
    Condition,
    Handover,
    HandoverItem,
    HandoverKind,
    HandoverStatus,
)
from app.custody.rules import (
    handover_label,
)
from app.records.models import Record


def get_handover(session: Session, project_id: int, handover_id: int) -> Handover:
    """The project's handover, or a 404."""
    handover = session.get(Handover, handover_id)
    if handover is None or handover.project_id != project_id:
        raise HandoverNotFound(f"handover {handover_id} does not exist")
    return handover


def counterpart_of(handover: Handover) -> int:
    """The vendor's person, who confirms the batch the custodian wrote."""
    return handover.received_by if handover.kind == HandoverKind.checkout else handover.handed_over_by


def handover_items(session: Session, handover_id: int) -> list[HandoverItem]:
    """The batch's lines in scan order."""
    return list(
        session.exec(
            select(HandoverItem).where(HandoverItem.handover_id == handover_id).order_by(HandoverItem.position)
        )
    )


@dataclass(frozen=True)
class SheetLine:
    """A line of a handover sheet or screen."""

    item: HandoverItem
    record: Record
    pages: int | None


@dataclass(frozen=True)
class HandoverView:
    """A batch with its people and lines, for its page and its printed sheet."""

    handover: Handover
    label: str
    handed_over_by: User
    received_by: User
    created_by: User
    confirmed_by: User | None
    lines: list[SheetLine]
    flagged: int = 0
    unfinished: int = 0


def handover_view(session: Session, handover: Handover) -> HandoverView:
    """The batch, its people and its lines with each record."""
    items = handover_items(session, handover.id)
    records = (
        {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_([i.record_id for i in items])))}
        if items
        else {}
    )
    people = {
        u.id: u
        for u in session.exec(
            select(User).where(
                col(User.id).in_(
                    {handover.handed_over_by, handover.received_by, handover.created_by, handover.confirmed_by or 0}
                )
            )
        )
    }
    lines = [SheetLine(i, records[i.record_id], records[i.record_id].paper_page_count) for i in items]
    return HandoverView(
        handover=handover,
        label=handover_label(handover.kind, handover.number),
        handed_over_by=people[handover.handed_over_by],
        received_by=people[handover.received_by],
        created_by=people[handover.created_by],
        confirmed_by=people.get(handover.confirmed_by) if handover.confirmed_by else None,
        lines=lines,
        flagged=sum(1 for i in items if i.condition != Condition.normal),
        unfinished=sum(1 for line in lines if line.record.status != "finished"),
    )


def list_handovers(
    session: Session, project_id: int, *, kind: str | None = None, status: str | None = None, limit: int = 100
) -> list[tuple[Handover, str]]:
    """The project's latest batches with their printed numbers, newest first."""
    stmt = select(Handover).where(Handover.project_id == project_id)
    if kind:
        stmt = stmt.where(Handover.kind == kind)
    if status:
        stmt = stmt.where(Handover.status == status)
    rows = session.exec(stmt.order_by(col(Handover.id).desc()).limit(limit)).all()
    return [(h, handover_label(h.kind, h.number)) for h in rows]


def waiting_for(session: Session, project_id: int, user_id: int) -> list[tuple[Handover, str]]:
    """Batches that wait for this person's confirmation."""
    rows = list_handovers(session, project_id, status=HandoverStatus.pending, limit=500)
    return [(h, label) for h, label in rows if counterpart_of(h) == user_id]
