"""Custody of paper records: settings, check-out and return batches, the outstanding list, the capture rule."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.accounts.permissions import Perm, allowed
from app.audit.service import record_event
from app.core.clock import local_date
from app.custody.exceptions import HandoverNotFound, HandoverRefused, HandoverStateError, RecordNotCheckedOut
from app.custody.models import (
    Box,
    Condition,
    CustodySettings,
    CustodyState,
    Handover,
    HandoverItem,
    HandoverKind,
    HandoverStatus,
    RecordCustody,
    Shelf,
)
from app.custody.rules import (
    ScanLine,
    clean_code,
    days_out,
    handover_label,
    is_overdue,
    refusal_for_checkout,
    refusal_for_return,
    typed_key,
)
from app.projects.models import Project
from app.records.exceptions import BadRecordIdentity
from app.records.models import Record
from app.records.rules import parse_barcode
from app.records.service import find_record, get_or_create_record

DEFAULT_OVERDUE_DAYS = 14
MAX_BATCH = 2000
NOTE_MAX = 300


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
        raise HandoverRefused("the warning limit is a number of days from 1 to 3650")
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


# --- reading scans ---------------------------------------------------------------------------


def record_for_code(session: Session, project: Project, code: str) -> Record | None:
    """The record a scanned or typed code names: its barcode, a barcode of the project's pattern, or 'MRN visit'."""
    code = clean_code(code)
    if not code:
        return None
    found = find_record(session, project.id, barcode=code)
    if found is not None:
        return found
    key = parse_barcode(code, project.barcode_pattern) or typed_key(code)
    if key is None:
        return None
    return find_record(session, project.id, mrn=key.mrn, visit=key.visit)


def _record_or_new(session: Session, project: Project, code: str, actor: dict) -> Record | None:
    found = record_for_code(session, project, code)
    if found is not None:
        return found
    if parse_barcode(code, project.barcode_pattern) is not None:
        record, _ = get_or_create_record(session, project, barcode=code, actor=actor, capture=False)
        return record
    key = typed_key(code)
    if key is not None:
        record, _ = get_or_create_record(session, project, mrn=key.mrn, visit=key.visit, actor=actor, capture=False)
        return record
    return None


def box_for_code(session: Session, project_id: int, code: str) -> Box | None:
    """The project's box with this barcode."""
    return session.exec(select(Box).where(Box.project_id == project_id, Box.barcode == clean_code(code))).first()


def shelf_for_code(session: Session, project_id: int, code: str) -> Shelf | None:
    """The project's shelf with this barcode."""
    return session.exec(select(Shelf).where(Shelf.project_id == project_id, Shelf.barcode == clean_code(code))).first()


@dataclass(frozen=True)
class Lookup:
    """What a scanned code is, for the scanning screens: a record (with its custody) or a box, or nothing."""

    code: str
    kind: str  # record | box | new_record | unknown
    label: str
    state: str | None = None
    problem: str | None = None  # a refusal code of this handover kind
    records: int = 0  # a box: how many records it holds that could be returned


def lookup(session: Session, project: Project, code: str, kind: str) -> Lookup:
    """What a scan would add to a batch of this kind, and whether it would be refused (for the scanner's row)."""
    code = clean_code(code)
    if kind == HandoverKind.returned:
        box = box_for_code(session, project.id, code)
        if box is not None:
            n = session.exec(
                select(func.count())
                .select_from(RecordCustody)
                .where(RecordCustody.box_id == box.id, RecordCustody.state == CustodyState.out)
            ).one()
            return Lookup(code, "box", box.barcode, records=n, problem=None if n else "empty_box")
    record = record_for_code(session, project, code)
    if record is None:
        if kind == HandoverKind.checkout and (parse_barcode(code, project.barcode_pattern) or typed_key(code)):
            key = parse_barcode(code, project.barcode_pattern) or typed_key(code)
            return Lookup(code, "new_record", f"{key.mrn}/{key.visit}")
        return Lookup(code, "unknown", code, problem="unknown_code")
    custody = custody_of(session, record.id)
    state = custody.state if custody else None
    if kind == HandoverKind.checkout:
        problem = refusal_for_checkout(state)
    else:
        problem = refusal_for_return(state, bool(custody and custody.return_id))
    return Lookup(code, "record", _label(record), state=state or CustodyState.inside, problem=problem)


def _label(record: Record) -> str:
    return f"{record.mrn}/{record.visit}" + (f" {record.patient_name}" if record.patient_name else "")


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
        raise HandoverRefused("choose the vendor's person who signs for this batch")
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
                    _record_or_new(session, project, code, actor)
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
        raise HandoverRefused(f"unknown handover kind {kind!r}")
    if not lines:
        raise HandoverRefused("scan at least one record")
    if len(lines) > MAX_BATCH:
        raise HandoverRefused(f"a batch holds at most {MAX_BATCH} lines")
    counterpart = _counterpart(session, project.id, counterpart_id)
    if counterpart.id == user_id:
        raise HandoverRefused("the other side of a handover must be another person")
    chosen, problems = _resolve_lines(session, project, kind, lines, actor)
    if problems:
        raise HandoverRefused(f"{len(problems)} scanned lines cannot be handed over; nothing was written", problems)
    if declared_count is None or declared_count != len(chosen):
        raise HandoverRefused(
            f"the count on paper ({declared_count if declared_count is not None else 'none'}) differs from the "
            f"{len(chosen)} records scanned: count again"
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


def get_handover(session: Session, project_id: int, handover_id: int) -> Handover:
    """The project's handover, or a 404."""
    handover = session.get(Handover, handover_id)
    if handover is None or handover.project_id != project_id:
        raise HandoverNotFound(f"handover {handover_id} does not exist")
    return handover


def counterpart_of(handover: Handover) -> int:
    """The vendor's person, who confirms the batch the custodian wrote."""
    return handover.received_by if handover.kind == HandoverKind.checkout else handover.handed_over_by


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
        raise HandoverStateError(f"this batch is {handover.status}, not waiting for confirmation")
    if user_id != counterpart_of(handover):
        raise HandoverStateError("only the person named as the vendor's side may confirm this batch")
    items = handover_items(session, handover.id)
    flagged = {i.id for i in items if i.condition != Condition.normal}
    if not flagged <= acknowledged:
        raise HandoverRefused(
            f"confirm the condition of each of the {len(flagged)} fragile or damaged records first",
            [
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
        raise HandoverStateError(f"this batch is {handover.status}; only a batch waiting for confirmation is withdrawn")
    if handover.created_by != user_id:
        raise HandoverStateError("only the person who wrote the batch may withdraw it")
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
