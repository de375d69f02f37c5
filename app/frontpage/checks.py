"""The front-page check of records: each record's latest reading compared with its values, kept current.

A reading's outcome (match / mismatch / unreadable) is stored on it and recomputed whenever the record's
front-page values change (an import, an entry by hand), so screens count it with one indexed query. Differences a
person confirmed as misreadings (FrontPageConfirmation, app/frontpage/confirming.py) count as closed while the
values they vouched for stand; a new reading or changed values void them here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import record_event
from app.core.clock import utcnow
from app.frontpage.crosscheck import (
    CHECKED,
    LotFrontPages,
    Outcome,
    RecordCheck,
    check_record,
    codes_in,
    not_read,
    read_date,
    same_code,
    same_text,
    with_confirmations,
)
from app.frontpage.models import FrontPage, FrontPageConfirmation, FrontPageReading
from app.records.models import Record

FINISHED = ("done", "unreadable", "failed")


def recorded_values(record: Record, fp: FrontPage | None) -> dict[str, object]:
    """The record's values as the cross-check takes them."""
    return {
        "mrn": record.mrn,
        "visit": record.visit,
        "name": record.patient_name,
        "discharge_date": record.discharge_date,
        "diagnosis": fp.diagnosis if fp else None,
        "diagnosis_code": fp.diagnosis_code if fp else None,
        "operation": fp.operation if fp else None,
        "operation_code": fp.operation_code if fp else None,
    }


def compare(
    reading: FrontPageReading,
    record: Record,
    fp: FrontPage | None,
    confirmations: Iterable[FrontPageConfirmation] = (),
) -> RecordCheck:
    """The check of a finished reading against the record (an unreadable or failed page is "unreadable", its
    entered fields "not_read": never "not found on the page", which says the page was read), with the differences
    a person confirmed (this reading's confirmations, crosscheck.with_confirmations) closed."""
    if reading.status != "done":
        return not_read(recorded_values(record, fp))
    mine = {c.field: _held(c) for c in confirmations if c.reading_id == reading.id}
    return with_confirmations(check_record(recorded_values(record, fp), reading.fields), mine)


def _held(c: FrontPageConfirmation) -> tuple[str, str, str, str]:
    """What a stored confirmation vouched for, in crosscheck.vouched's shape."""
    return (c.recorded, c.recorded_code, c.read, c.read_code)


def _apply(reading: FrontPageReading, result: RecordCheck) -> None:
    reading.outcome, reading.wrong_record = result.outcome, result.wrong_record
    reading.fields_compared, reading.fields_wrong = result.compared(), result.wrong()
    reading.fields_confirmed = result.confirmed()
    reading.closed_by_person = result.confirmed(CHECKED) > 0 and not result.mismatches


def active_confirmations(session: Session, record_ids: list[int]) -> dict[int, list[FrontPageConfirmation]]:
    """Record id → its confirmations not (yet) void, oldest first."""
    out: dict[int, list[FrontPageConfirmation]] = {}
    rows = session.exec(
        select(FrontPageConfirmation)
        .where(col(FrontPageConfirmation.record_id).in_(record_ids), col(FrontPageConfirmation.voided_at).is_(None))
        .order_by(col(FrontPageConfirmation.id))
    )
    for c in rows:
        out.setdefault(c.record_id, []).append(c)
    return out


def _void_stale(
    session: Session, reading: FrontPageReading, result: RecordCheck, confirmations: list[FrontPageConfirmation]
) -> None:
    """Void the record's confirmations that no longer hold: another reading's (new_reading), or this reading's
    whose field is not closed by it any more (values_changed: the values it vouched for changed as the comparison
    sees them, crosscheck.settled, or the field no longer differs); audited, as the action that voided them."""
    closed = {f.field for f in result.fields if f.state == "confirmed"}  # by this reading's confirmations
    voided: dict[str, list[str]] = {}
    now = utcnow()
    for c in confirmations:
        if c.reading_id == reading.id and c.field in closed:
            continue
        c.voided_at, c.void_reason = now, "values_changed" if c.reading_id == reading.id else "new_reading"
        session.add(c)
        voided.setdefault(c.void_reason, []).append(c.field)
    for reason, fields in voided.items():
        record_event(
            session,
            "frontpage.confirmation_void",
            project_id=reading.project_id,
            object_type="record",
            object_id=reading.record_id,
            detail={"reading_id": reading.id, "fields": fields, "reason": reason},
        )


def finish(session: Session, reading: FrontPageReading) -> RecordCheck:
    """Make a just-finished reading the record's current one and store its check; confirmations made on the
    record's earlier readings are void (the page was read again)."""
    session.execute(
        update(FrontPageReading)
        .where(col(FrontPageReading.record_id) == reading.record_id, col(FrontPageReading.id) != reading.id)
        .values(current=False)
    )
    record = session.get(Record, reading.record_id)
    assert record is not None
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).first()
    confirmations = active_confirmations(session, [record.id]).get(record.id, [])
    result = compare(reading, record, fp, confirmations)
    _void_stale(session, reading, result, confirmations)
    reading.current = True
    _apply(reading, result)
    session.add(reading)
    return result


def refresh(session: Session, record_ids: list[int]) -> None:
    """Recompute the stored checks of these records' current readings (after their values changed); a
    confirmation whose values changed is void, and the check is as it is now."""
    for start in range(0, len(record_ids), 500):
        ids = record_ids[start : start + 500]
        readings = session.exec(
            select(FrontPageReading).where(col(FrontPageReading.record_id).in_(ids), col(FrontPageReading.current))
        ).all()
        if not readings:
            continue
        records = {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_(ids)))}
        fps = {f.record_id: f for f in session.exec(select(FrontPage).where(col(FrontPage.record_id).in_(ids)))}
        confirmed = active_confirmations(session, ids)
        for reading in readings:
            mine = confirmed.get(reading.record_id, [])
            result = compare(reading, records[reading.record_id], fps.get(reading.record_id), mine)
            if mine:
                _void_stale(session, reading, result, mine)
            _apply(reading, result)
            session.add(reading)
    session.flush()


def current_reading(session: Session, record_id: int) -> FrontPageReading | None:
    """The record's latest finished reading, if any."""
    return session.exec(
        select(FrontPageReading).where(FrontPageReading.record_id == record_id, col(FrontPageReading.current))
    ).first()


@dataclass(frozen=True)
class RecordView:
    """A record's check for its screens: the reading, the comparison, and the OCR value of each field; the
    confirmations that close its differences (who: user id → name) and the record's latest void ones."""

    reading: FrontPageReading | None
    check: RecordCheck | None
    failed_qc_page: int | None = None  # no reading, and the front page's current image failed QC (this page)
    confirmations: tuple[FrontPageConfirmation, ...] = ()
    voided: tuple[FrontPageConfirmation, ...] = ()
    people: tuple[tuple[int, str], ...] = ()

    def person(self, user_id: int) -> str:
        """The display name of a user who confirmed."""
        return dict(self.people).get(user_id, str(user_id))

    @property
    def suggestions(self) -> dict[str, str]:
        """Field → what the page reads there (only fields read with some confidence)."""
        if self.reading is None or self.check is None or not self.check.legible:
            return {}
        out = {}
        for name, got in (self.reading.fields or {}).items():
            if got.get("value") and float(got.get("score", 0)) >= 0.5:
                out[name] = str(got["value"])
        return out

    def agrees(self, name: str, value: object) -> bool:
        """True when the page reads this field as `value` says it, perhaps in another format (2024年6月5日 for
        2024-06-05, full-width digits, spaces): no "Use" is offered then."""
        read = self.suggestions.get(name)
        if not read or value in (None, ""):
            return False
        if name.endswith("_code"):
            return same_code(str(value), codes_in(read))  # 51.23 = 51.2300 (never plain(): it drops the dot)
        if name == "discharge_date":
            return read_date(read) is not None and read_date(read) == read_date(str(value))
        return same_text(str(value), read)


SHOWN_VOID = 5


def record_view(session: Session, record: Record) -> RecordView:
    """The record's current reading and its comparison with the record's values now, with its confirmations."""
    reading = current_reading(session, record.id)
    if reading is None:
        return RecordView(None, None)  # reading.front_page_view tells a front page that failed QC
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).first()
    active = active_confirmations(session, [record.id]).get(record.id, [])
    check = compare(reading, record, fp, active)
    closed = {f.field for f in check.fields if f.state == "confirmed"}
    holding = tuple(c for c in active if c.reading_id == reading.id and c.field in closed)
    voided = tuple(
        session.exec(
            select(FrontPageConfirmation)
            .where(FrontPageConfirmation.record_id == record.id, col(FrontPageConfirmation.voided_at).is_not(None))
            .order_by(col(FrontPageConfirmation.voided_at).desc(), col(FrontPageConfirmation.id).desc())
            .limit(SHOWN_VOID)
        )
    )
    ids = {c.confirmed_by for c in holding + voided}
    people = tuple(session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()) if ids else ()
    return RecordView(reading, check, confirmations=holding, voided=voided, people=people)


def wrong_record_count(session: Session, project_id: int) -> int:
    """How many records' front pages may be another record's (MRN or name differs)."""
    return session.exec(
        select(func.count())
        .select_from(FrontPageReading)
        .where(
            FrontPageReading.project_id == project_id, col(FrontPageReading.current), col(FrontPageReading.wrong_record)
        )
    ).one()


def unreadable_count(session: Session, project_id: int) -> int:
    """How many records' current readings are "unreadable" (the page, its MRN or an entered field of the five
    could not be read, or it is no front page): the records the check's list shows as "could not be read"."""
    return session.exec(
        select(func.count())
        .select_from(FrontPageReading)
        .where(
            FrontPageReading.project_id == project_id,
            col(FrontPageReading.current),
            FrontPageReading.outcome == Outcome.unreadable,
        )
    ).one()


def flagged(session: Session, project_id: int, *, limit: int = 200) -> list[tuple[FrontPageReading, Record]]:
    """Current readings that do not match, the possibly wrong records first, then mismatches, then unreadable."""
    rows = session.exec(
        select(FrontPageReading, Record)
        .join(Record, col(Record.id) == FrontPageReading.record_id)
        .where(
            FrontPageReading.project_id == project_id,
            col(FrontPageReading.current),
            col(FrontPageReading.outcome).in_([Outcome.mismatch, Outcome.unreadable]),
        )
        .order_by(
            col(FrontPageReading.wrong_record).desc(),
            col(FrontPageReading.outcome),
            col(Record.mrn),
            col(Record.visit),
        )
        .limit(limit)
    ).all()
    return list(rows)


def differing(session: Session, rows: list[tuple[FrontPageReading, Record]]) -> dict[int, list[str]]:
    """Reading id → the fields (the visit too) where each of these records' pages differs from it now (a
    difference a person confirmed as misread is closed, not listed)."""
    ids = [record.id for _, record in rows]
    fps = {f.record_id: f for f in session.exec(select(FrontPage).where(col(FrontPage.record_id).in_(ids)))}
    held = active_confirmations(session, ids)
    return {
        r.id: [f.field for f in compare(r, record, fps.get(record.id), held.get(record.id, [])).mismatches]
        for r, record in rows
    }


def summary_of(session: Session, record_ids: Any, limit: float) -> LotFrontPages:
    """The front-page check over a set of records (a select of record ids, e.g. a lot's): records, checked,
    mismatches open, possibly wrong records, unreadable, and the field error rate against `limit` (the project's
    field_error_rate; DESIGN.md: ≤ 3 % wrong among the five fields); also how many differing records a person's
    confirmation closed, and how many fields counted right because of one (said beside the rate, never hidden)."""
    ids = record_ids.subquery()
    records = session.exec(select(func.count()).select_from(ids)).one()
    reading = FrontPageReading
    row = session.exec(
        select(
            func.count(),
            func.count().filter(reading.outcome == Outcome.mismatch),
            func.count().filter(col(reading.wrong_record)),
            func.count().filter(reading.outcome == Outcome.unreadable),
            func.coalesce(func.sum(reading.fields_compared), 0),
            func.coalesce(func.sum(reading.fields_wrong), 0),
            func.count().filter(col(reading.closed_by_person)),
            func.coalesce(func.sum(reading.fields_confirmed), 0),
        ).where(col(reading.record_id).in_(select(ids.c[0])), col(reading.current))
    ).one()
    return LotFrontPages(
        records=records,
        checked=row[0],
        mismatched=row[1],
        wrong_record=row[2],
        unreadable=row[3],
        fields_compared=int(row[4]),
        fields_wrong=int(row[5]),
        limit=float(limit),
        closed_by_person=row[6],
        fields_confirmed=int(row[7]),
    )
