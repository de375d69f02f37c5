"""Check-out and return batches: writing one from scanned lines, confirming it, cancelling it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.accounts.permissions import Perm, allowed
from app.audit.service import record_event
from app.core.clock import local_date
from app.custody.exceptions import HandoverRefused, HandoverStateError
from app.custody.listing import counterpart_of, handover_items
from app.custody.models import (
    Condition,
    CustodyState,
    Handover,
    HandoverItem,
    HandoverKind,
    HandoverStatus,
    RecordCustody,
)
from app.custody.policy import custody_of
from app.custody.rules import (
    ScanLine,
    clean_code,
    handover_label,
    refusal_for_checkout,
    refusal_for_return,
)
from app.custody.scans import box_for_code, record_for_code, record_or_new
from app.projects.models import Project
from app.records.exceptions import BadRecordIdentity
from app.records.models import Record

MAX_BATCH = 2000
NOTE_MAX = 300

# --- handovers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineProblem:
    """Why a scanned line was refused: its position (1-based), the code and a refusal code."""

    position: int
    code: str
    problem: str
    detail: str = ""


def vendor_people(session: Session, project_id: int) -> list[User]:
    """The project's active users who may sign for the vendor (receive check-outs, hand returns back)."""
    users = session.exec(
        select(User).where(User.project_id == project_id, col(User.active).is_(True)).order_by(col(User.display_name))
    ).all()
    return [u for u in users if allowed(u.role, Perm.manage_records)]


def _counterpart(session: Session, project_id: int, user_id: int | None) -> User:
    user = session.get(User, user_id) if user_id else None
    if user is None or user.project_id != project_id or not user.active or not allowed(user.role, Perm.manage_records):
        raise HandoverRefused("choose the vendor's person who signs for this batch", code="counterpart_missing")
    return user


def _next_number(session: Session, project_id: int, kind: str) -> int:
    last = session.exec(
        select(func.max(Handover.number)).where(Handover.project_id == project_id, Handover.kind == kind)
    ).one()
    return (last or 0) + 1


def _custody_row(session: Session, project_id: int, record_id: int) -> RecordCustody:
    return custody_of(session, record_id) or RecordCustody(project_id=project_id, record_id=record_id)


def _resolve_lines(
    session: Session, project: Project, kind: str, lines: list[ScanLine], actor: dict
) -> tuple[list[tuple[Record, ScanLine]], list[LineProblem]]:
    chosen: list[tuple[Record, ScanLine]] = []
    problems: list[LineProblem] = []
    seen_codes: dict[str, int] = {}
    seen_records: dict[int, int] = {}
    for position, line in enumerate(lines, start=1):
        code = clean_code(line.code)
        if code in seen_codes:
            problems.append(LineProblem(position, code, "scanned_twice", str(seen_codes[code])))
            continue
        seen_codes[code] = position
        if line.condition not in set(Condition):
            problems.append(LineProblem(position, code, "bad_condition"))
            continue
        if line.condition != Condition.normal and not line.note.strip():
            problems.append(LineProblem(position, code, "note_required"))
            continue
        if len(line.note) > NOTE_MAX:
            problems.append(LineProblem(position, code, "note_too_long"))
            continue
        records: list[Record] = []
        box = box_for_code(session, project.id, code) if kind == HandoverKind.returned else None
        if box is not None:
            records = list(
                session.exec(
                    select(Record)
                    .join(RecordCustody, col(RecordCustody.record_id) == col(Record.id))
                    .where(RecordCustody.box_id == box.id, RecordCustody.state == CustodyState.out)
                    .order_by(col(Record.mrn), col(Record.visit))
                )
            )
            if not records:
                problems.append(LineProblem(position, code, "empty_box"))
                continue
        else:
            try:
                record = (
                    record_or_new(session, project, code, actor)
                    if kind == HandoverKind.checkout
                    else record_for_code(session, project, code)
                )
            except BadRecordIdentity:
                record = None
            if record is None:
                problems.append(LineProblem(position, code, "unknown_code"))
                continue
            records = [record]
        for record in records:
            if record.id in seen_records:
                problems.append(LineProblem(position, code, "scanned_twice", str(seen_records[record.id])))
                continue
            seen_records[record.id] = position
            custody = custody_of(session, record.id)
            state = custody.state if custody else None
            if kind == HandoverKind.checkout:
                refusal = refusal_for_checkout(state)
            else:
                refusal = refusal_for_return(state, bool(custody and custody.return_id))
            if refusal:
                problems.append(
                    LineProblem(position, code, refusal, _refusal_detail(session, custody, project.timezone))
                )
                continue
            chosen.append((record, line))
    return chosen, problems


def _refusal_detail(session: Session, custody: RecordCustody | None, tz: str) -> str:
    """The batch that explains a refusal: the return that brought it back, or the check-out it is out on."""
    if custody is None:
        return ""
    ref = custody.return_id if custody.state == CustodyState.inside else custody.checkout_id
    handover = session.get(Handover, ref) if ref else None
    if handover is None:
        return ""
    return f"{handover_label(handover.kind, handover.number)} {local_date(handover.created_at, tz).isoformat()}"


def create_handover(
    session: Session,
    project: Project,
    *,
    kind: str,
    lines: list[ScanLine],
    declared_count: int | None,
    counterpart_id: int | None,
    note: str,
    user_id: int,
    actor: dict,
    now: datetime,
) -> Handover:
    """Write a check-out or return batch as scanned, all lines or none; the vendor's person confirms it after.

    A check-out takes effect when the vendor confirms; a return takes effect at once (the custodian holds the paper).
    """
    if kind not in (HandoverKind.checkout, HandoverKind.returned):
        raise HandoverRefused(f"unknown handover kind {kind!r}", code="unknown_handover_kind")
    if not lines:
        raise HandoverRefused("scan at least one record", code="nothing_scanned")
    if len(lines) > MAX_BATCH:
        raise HandoverRefused(f"a batch holds at most {MAX_BATCH} lines", code="batch_too_large", max=MAX_BATCH)
    counterpart = _counterpart(session, project.id, counterpart_id)
    if counterpart.id == user_id:
        raise HandoverRefused("the other side of a handover must be another person", code="counterpart_self")
    chosen, problems = _resolve_lines(session, project, kind, lines, actor)
    if problems:
        raise HandoverRefused(
            f"{len(problems)} scanned lines cannot be handed over; nothing was written",
            problems,
            code="lines_refused",
            n=len(problems),
        )
    if declared_count is None or declared_count != len(chosen):
        raise HandoverRefused(
            f"the count on paper ({declared_count if declared_count is not None else 'none'}) differs from the "
            f"{len(chosen)} records scanned: count again",
            code="count_differs" if declared_count is not None else "count_missing",
            declared=declared_count,
            n=len(chosen),
        )
    checkout = kind == HandoverKind.checkout
    handover = Handover(
        project_id=project.id,
        kind=kind,
        number=_next_number(session, project.id, kind),
        handed_over_by=user_id if checkout else counterpart.id,
        received_by=counterpart.id if checkout else user_id,
        created_by=user_id,
        created_at=now,
        declared_count=declared_count,
        item_count=len(chosen),
        note=note.strip()[:500] or None,
    )
    session.add(handover)
    session.flush()
    for position, (record, line) in enumerate(chosen, start=1):
        session.add(
            HandoverItem(
                handover_id=handover.id,
                record_id=record.id,
                position=position,
                scanned=clean_code(line.code)[:64],
                condition=line.condition,
                condition_note=line.note.strip() or None,
            )
        )
        custody = _custody_row(session, project.id, record.id)
        if checkout:
            custody.state, custody.checkout_id, custody.out_since = CustodyState.pending_out, handover.id, None
            custody.return_id, custody.returned_at = None, None
            custody.box_id, custody.packed_at = None, None  # the paper leaves the box it was kept in
        else:
            custody.state, custody.return_id, custody.returned_at = CustodyState.inside, handover.id, now
        custody.updated_at = now
        session.add(custody)
    session.flush()
    record_event(
        session,
        f"custody.{'checkout' if checkout else 'return'}",
        project_id=project.id,
        object_type="handover",
        object_id=handover.id,
        detail={
            "number": handover_label(kind, handover.number),
            "records": [r.id for r, _ in chosen],
            "count": len(chosen),
            "flagged": sum(1 for _, line in chosen if line.condition != Condition.normal),
            "counterpart": counterpart.id,
        },
        **actor,
    )
    return handover


def confirm_handover(
    session: Session,
    handover: Handover,
    *,
    user_id: int,
    acknowledged: set[int],
    actor: dict,
    now: datetime,
) -> Handover:
    """The vendor's person confirms the batch, acknowledging each fragile or damaged record; a check-out starts."""
    if handover.status != HandoverStatus.pending:
        raise HandoverStateError(
            f"this batch is {handover.status}, not waiting for confirmation", code="handover_not_pending"
        )
    if user_id != counterpart_of(handover):
        raise HandoverStateError(
            "only the person named as the vendor's side may confirm this batch", code="not_counterpart"
        )
    items = handover_items(session, handover.id)
    flagged = {i.id for i in items if i.condition != Condition.normal}
    if not flagged <= acknowledged:
        raise HandoverRefused(
            f"confirm the condition of each of the {len(flagged)} fragile or damaged records first",
            code="condition_unconfirmed",
            n=len(flagged),
            problems=[
                LineProblem(i.position, i.scanned, "condition_unconfirmed")
                for i in items
                if i.id in flagged - acknowledged
            ],
        )
    for item in items:
        if item.id in flagged:
            item.condition_confirmed_at = now
            session.add(item)
        if handover.kind == HandoverKind.checkout:
            custody = _custody_row(session, handover.project_id, item.record_id)
            if custody.state == CustodyState.pending_out and custody.checkout_id == handover.id:
                custody.state, custody.out_since, custody.updated_at = CustodyState.out, now, now
                session.add(custody)
    handover.status, handover.confirmed_by, handover.confirmed_at = HandoverStatus.confirmed, user_id, now
    session.add(handover)
    session.flush()
    record_event(
        session,
        "custody.confirm",
        project_id=handover.project_id,
        object_type="handover",
        object_id=handover.id,
        detail={"number": handover_label(handover.kind, handover.number), "flagged_confirmed": len(flagged)},
        **actor,
    )
    return handover


def cancel_handover(session: Session, handover: Handover, *, user_id: int, actor: dict, now: datetime) -> Handover:
    """Withdraw a batch not yet confirmed (by the custodian who wrote it): its records are where they were."""
    if handover.status != HandoverStatus.pending:
        raise HandoverStateError(
            f"this batch is {handover.status}; only a batch waiting for confirmation is withdrawn",
            code="handover_not_pending",
        )
    if handover.created_by != user_id:
        raise HandoverStateError("only the person who wrote the batch may withdraw it", code="not_author")
    for item in handover_items(session, handover.id):
        custody = _custody_row(session, handover.project_id, item.record_id)
        if handover.kind == HandoverKind.checkout and custody.checkout_id == handover.id:
            custody.state, custody.checkout_id = CustodyState.inside, None
            custody.return_id, custody.returned_at = _last_return(session, item.record_id, handover.id)
        elif handover.kind == HandoverKind.returned and custody.return_id == handover.id:
            custody.state, custody.return_id, custody.returned_at = CustodyState.out, None, None
        custody.updated_at = now
        session.add(custody)
    handover.status, handover.cancelled_at = HandoverStatus.cancelled, now
    session.add(handover)
    session.flush()
    record_event(
        session,
        "custody.cancel",
        project_id=handover.project_id,
        object_type="handover",
        object_id=handover.id,
        detail={"number": handover_label(handover.kind, handover.number)},
        **actor,
    )
    return handover


def _last_return(session: Session, record_id: int, before_id: int) -> tuple[int | None, datetime | None]:
    row = session.exec(
        select(Handover)
        .join(HandoverItem, col(HandoverItem.handover_id) == col(Handover.id))
        .where(
            HandoverItem.record_id == record_id,
            Handover.kind == HandoverKind.returned,
            Handover.status != HandoverStatus.cancelled,
            col(Handover.id) < before_id,
        )
        .order_by(col(Handover.id).desc())
    ).first()
    return (row.id, row.created_at) if row else (None, None)
