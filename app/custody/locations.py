"""Boxes and shelves: registering their barcodes, packing records and shelving boxes by scanning, finding paper."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.core.clock import local_date
from app.custody.exceptions import LocationError
from app.custody.models import (
    Box,
    CustodyMove,
    CustodyState,
    Handover,
    HandoverItem,
    HandoverStatus,
    RecordCustody,
    Shelf,
)
from app.custody.policy import custody_of, policy
from app.custody.rules import CODE_PATTERN, clean_code, days_out, handover_label, is_overdue
from app.custody.scans import box_for_code, record_for_code, shelf_for_code
from app.projects.models import Project
from app.records.models import Record

PLACE_MAX = 120


def _check_code(code: str) -> str:
    code = clean_code(code)
    if not CODE_PATTERN.match(code):
        raise LocationError(
            f"barcode {code!r} must be 1-64 letters, digits, - _ / . or spaces", code="bad_barcode", code_text=code
        )
    return code


def _taken(session: Session, project_id: int, code: str) -> bool:
    """A code names one thing only: a box, a shelf or a record, never two of them."""
    return (
        box_for_code(session, project_id, code) is not None
        or shelf_for_code(session, project_id, code) is not None
        or session.exec(select(Record.id).where(Record.project_id == project_id, Record.barcode == code)).first()
        is not None
    )


def add_shelf(session: Session, project: Project, *, barcode: str, place: str, actor: dict) -> Shelf:
    """Register a shelf's barcode and where it stands."""
    code = _check_code(barcode)
    if _taken(session, project.id, code):
        raise LocationError(
            f"barcode {code} is already used by a box, shelf or record", code="barcode_taken", code_text=code
        )
    shelf = Shelf(project_id=project.id, barcode=code, place=place.strip()[:PLACE_MAX])
    session.add(shelf)
    session.flush()
    record_event(
        session,
        "custody.shelf_add",
        project_id=project.id,
        object_type="shelf",
        object_id=shelf.id,
        detail={"barcode": code},
        **actor,
    )
    return shelf


def add_boxes(session: Session, project: Project, *, barcodes: list[str], actor: dict) -> list[Box]:
    """Register box barcodes (all or none: a code already in use refuses the lot)."""
    codes = [_check_code(c) for c in barcodes]
    if not codes:
        raise LocationError("give at least one box barcode", code="no_boxes")
    if len(set(codes)) != len(codes):
        raise LocationError("a box barcode is listed twice", code="box_twice")
    taken = [c for c in codes if _taken(session, project.id, c)]
    if taken:
        raise LocationError(
            f"already in use: {', '.join(taken[:10])}", code="barcodes_taken", codes=", ".join(taken[:10])
        )
    boxes = [Box(project_id=project.id, barcode=c) for c in codes]
    session.add_all(boxes)
    session.flush()
    record_event(
        session,
        "custody.box_add",
        project_id=project.id,
        object_type="box",
        object_id=boxes[0].id,
        detail={"count": len(boxes), "first": codes[0], "last": codes[-1]},
        **actor,
    )
    return boxes


@dataclass(frozen=True)
class BoxRow:
    """A box, its shelf and how many records it holds."""

    box: Box
    shelf: Shelf | None
    records: int


def list_boxes(session: Session, project_id: int, *, limit: int = 500) -> list[BoxRow]:
    """The project's boxes with their shelf and contents count."""
    counts = dict(
        session.exec(
            select(RecordCustody.box_id, func.count())
            .where(RecordCustody.project_id == project_id, col(RecordCustody.box_id).is_not(None))
            .group_by(RecordCustody.box_id)
        ).all()
    )
    rows = session.exec(
        select(Box, Shelf)
        .outerjoin(Shelf, col(Shelf.id) == col(Box.shelf_id))
        .where(Box.project_id == project_id)
        .order_by(col(Box.barcode))
        .limit(limit)
    ).all()
    return [BoxRow(box, shelf, counts.get(box.id, 0)) for box, shelf in rows]


def list_shelves(session: Session, project_id: int) -> list[tuple[Shelf, int]]:
    """The project's shelves with how many boxes stand on each."""
    counts = dict(
        session.exec(
            select(Box.shelf_id, func.count()).where(Box.project_id == project_id).group_by(Box.shelf_id)
        ).all()
    )
    shelves = session.exec(select(Shelf).where(Shelf.project_id == project_id).order_by(col(Shelf.barcode))).all()
    return [(s, counts.get(s.id, 0)) for s in shelves]


def box_contents(session: Session, box: Box) -> list[Record]:
    """The records packed in a box."""
    return list(
        session.exec(
            select(Record)
            .join(RecordCustody, col(RecordCustody.record_id) == col(Record.id))
            .where(RecordCustody.box_id == box.id)
            .order_by(col(Record.mrn), col(Record.visit))
        )
    )


def pack(
    session: Session, project: Project, box: Box, record: Record, *, user_id: int, actor: dict, now: datetime
) -> Box | None:
    """Pack a record into a box (scanned); the box it was in before is returned, None if it was in no box."""
    custody = custody_of(session, record.id)
    if custody is None or custody.checkout_id is None:
        raise LocationError(
            f"record {record.mrn}/{record.visit} has never been checked out: nothing to pack", code="never_checked_out"
        )
    if custody.state == CustodyState.pending_out:
        raise LocationError(
            f"record {record.mrn}/{record.visit} is still waiting for its check-out confirmation",
            code="checkout_pending",
        )
    previous = session.get(Box, custody.box_id) if custody.box_id else None
    if previous is not None and previous.id == box.id:
        return previous
    custody.box_id, custody.packed_at, custody.updated_at = box.id, now, now
    session.add(custody)
    session.add(
        CustodyMove(project_id=project.id, kind="pack", record_id=record.id, box_id=box.id, user_id=user_id, at=now)
    )
    session.flush()
    record_event(
        session,
        "custody.pack",
        project_id=project.id,
        object_type="record",
        object_id=record.id,
        detail={"box": box.barcode, "from_box": previous.barcode if previous else None},
        **actor,
    )
    return previous


def shelve(
    session: Session, project: Project, shelf: Shelf, box: Box, *, user_id: int, actor: dict, now: datetime
) -> Shelf | None:
    """Place a box on a shelf (scanned); the shelf it stood on before is returned."""
    previous = session.get(Shelf, box.shelf_id) if box.shelf_id else None
    if previous is not None and previous.id == shelf.id:
        return previous
    box.shelf_id, box.shelved_at = shelf.id, now
    session.add(box)
    session.add(
        CustodyMove(project_id=project.id, kind="shelve", box_id=box.id, shelf_id=shelf.id, user_id=user_id, at=now)
    )
    session.flush()
    record_event(
        session,
        "custody.shelve",
        project_id=project.id,
        object_type="box",
        object_id=box.id,
        detail={"shelf": shelf.barcode, "from_shelf": previous.barcode if previous else None},
        **actor,
    )
    return previous


@dataclass(frozen=True)
class ScanOutcome:
    """The result of one scan on the packing screen: a message code with values, and the box now open."""

    message: str  # box_open | packed | moved | already_in_box | shelved | need_box | unknown | refused
    # refused: values["reason"] is the LocationError's code (app.custody.labels.LOCATION_MESSAGES)
    values: dict
    box: Box | None
    ok: bool = True


def scan(
    session: Session, project: Project, *, box_code: str | None, code: str, user_id: int, actor: dict, now: datetime
) -> ScanOutcome:
    """One scan: a box opens it; a record is packed into the open box; a shelf takes the open box."""
    code = clean_code(code)
    current = box_for_code(session, project.id, box_code) if box_code else None
    box = box_for_code(session, project.id, code)
    if box is not None:
        return ScanOutcome("box_open", {"box": box.barcode, "n": len(box_contents(session, box))}, box)
    shelf = shelf_for_code(session, project.id, code)
    if shelf is not None:
        if current is None:
            return ScanOutcome("need_box", {"code": code}, None, ok=False)
        before = shelve(session, project, shelf, current, user_id=user_id, actor=actor, now=now)
        return ScanOutcome(
            "shelved",
            {
                "box": current.barcode,
                "shelf": shelf.barcode,
                "place": shelf.place,
                "from": before.barcode if before else "",
            },
            None,
        )
    record = record_for_code(session, project, code)
    if record is None:
        return ScanOutcome("unknown", {"code": code}, current, ok=False)
    if current is None:
        return ScanOutcome("need_box", {"code": code}, None, ok=False)
    label = f"{record.mrn}/{record.visit}"
    try:
        before = pack(session, project, current, record, user_id=user_id, actor=actor, now=now)
    except LocationError as exc:
        return ScanOutcome("refused", {"record": label, "reason": exc.code}, current, ok=False)
    if before is not None and before.id == current.id:
        return ScanOutcome("already_in_box", {"record": label, "box": current.barcode}, current)
    if before is not None:
        return ScanOutcome("moved", {"record": label, "box": current.barcode, "from": before.barcode}, current)
    return ScanOutcome(
        "packed", {"record": label, "box": current.barcode, "n": len(box_contents(session, current))}, current
    )


@dataclass(frozen=True)
class Event:
    """A step in a record's paper history."""

    at: datetime
    kind: str  # checkout | return | pack | shelve
    what: str


@dataclass(frozen=True)
class Whereabouts:
    """Where a record's paper is now, and how it got there."""

    record: Record
    state: str  # in | pending_out | out
    days: int | None
    overdue: bool
    box: Box | None
    shelf: Shelf | None
    history: list[Event]


def where_is(session: Session, project: Project, query: str, *, now: datetime, limit: int = 20) -> list[Whereabouts]:
    """The records a scan or an MRN names, each with where its paper is and its history."""
    query = clean_code(query)
    if not query:
        return []
    found = record_for_code(session, project, query)
    records = (
        [found]
        if found
        else list(
            session.exec(
                select(Record)
                .where(Record.project_id == project.id, col(Record.mrn).startswith(query))
                .order_by(col(Record.mrn), col(Record.visit))
                .limit(limit)
            )
        )
    )
    rules = policy(session, project.id)
    today = local_date(now, project.timezone)
    result = []
    for record in records:
        custody = custody_of(session, record.id)
        box = session.get(Box, custody.box_id) if custody and custody.box_id else None
        shelf = session.get(Shelf, box.shelf_id) if box and box.shelf_id else None
        days = None
        if custody and custody.state == CustodyState.out and custody.out_since:
            days = days_out(local_date(custody.out_since, project.timezone), today)
        result.append(
            Whereabouts(
                record=record,
                state=custody.state if custody else CustodyState.inside,
                days=days,
                overdue=days is not None and is_overdue(days, rules.overdue_days),
                box=box,
                shelf=shelf,
                history=_history(session, record.id),
            )
        )
    return result


def _history(session: Session, record_id: int) -> list[Event]:
    events: list[Event] = []
    rows = session.exec(
        select(Handover)
        .join(HandoverItem, col(HandoverItem.handover_id) == col(Handover.id))
        .where(HandoverItem.record_id == record_id, Handover.status != HandoverStatus.cancelled)
    ).all()
    for h in rows:
        events.append(Event(h.created_at, h.kind, handover_label(h.kind, h.number)))
        if h.confirmed_at:
            events.append(Event(h.confirmed_at, "confirm", handover_label(h.kind, h.number)))
    moves = session.exec(select(CustodyMove).where(CustodyMove.record_id == record_id)).all()
    box_ids = {m.box_id for m in moves}
    for m in moves:
        box = session.get(Box, m.box_id)
        events.append(Event(m.at, "pack", box.barcode if box else "?"))
    if box_ids:
        for m in session.exec(
            select(CustodyMove).where(CustodyMove.kind == "shelve", col(CustodyMove.box_id).in_(box_ids))
        ).all():
            box, shelf = session.get(Box, m.box_id), session.get(Shelf, m.shelf_id)
            events.append(Event(m.at, "shelve", f"{box.barcode if box else '?'} → {shelf.barcode if shelf else '?'}"))
    return sorted(events, key=lambda e: e.at)
