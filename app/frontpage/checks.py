"""The front-page check of records: each record's latest reading compared with its values, kept current.

A reading's outcome (match / mismatch / unreadable) is stored on it and recomputed whenever the record's
front-page values change (an import, an entry by hand), so screens count it with one indexed query.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.frontpage.crosscheck import (
    LotFrontPages,
    Outcome,
    RecordCheck,
    check_record,
    codes_in,
    not_read,
    read_date,
    same_code,
    same_text,
)
from app.frontpage.models import FrontPage, FrontPageReading
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


def compare(reading: FrontPageReading, record: Record, fp: FrontPage | None) -> RecordCheck:
    """The check of a finished reading against the record (an unreadable or failed page is "unreadable", its
    entered fields "not_read": never "not found on the page", which says the page was read)."""
    if reading.status != "done":
        return not_read(recorded_values(record, fp))
    return check_record(recorded_values(record, fp), reading.fields)


def _apply(reading: FrontPageReading, result: RecordCheck) -> None:
    reading.outcome, reading.wrong_record = result.outcome, result.wrong_record
    reading.fields_compared, reading.fields_wrong = result.compared(), result.wrong()


def finish(session: Session, reading: FrontPageReading) -> RecordCheck:
    """Make a just-finished reading the record's current one and store its check."""
    session.execute(
        update(FrontPageReading)
        .where(col(FrontPageReading.record_id) == reading.record_id, col(FrontPageReading.id) != reading.id)
        .values(current=False)
    )
    record = session.get(Record, reading.record_id)
    assert record is not None
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).first()
    result = compare(reading, record, fp)
    reading.current = True
    _apply(reading, result)
    session.add(reading)
    return result


def refresh(session: Session, record_ids: list[int]) -> None:
    """Recompute the stored checks of these records' current readings (after their values changed)."""
    for start in range(0, len(record_ids), 500):
        ids = record_ids[start : start + 500]
        readings = session.exec(
            select(FrontPageReading).where(col(FrontPageReading.record_id).in_(ids), col(FrontPageReading.current))
        ).all()
        if not readings:
            continue
        records = {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_(ids)))}
        fps = {f.record_id: f for f in session.exec(select(FrontPage).where(col(FrontPage.record_id).in_(ids)))}
        for reading in readings:
            _apply(reading, compare(reading, records[reading.record_id], fps.get(reading.record_id)))
            session.add(reading)
    session.flush()


def current_reading(session: Session, record_id: int) -> FrontPageReading | None:
    """The record's latest finished reading, if any."""
    return session.exec(
        select(FrontPageReading).where(FrontPageReading.record_id == record_id, col(FrontPageReading.current))
    ).first()


@dataclass(frozen=True)
class RecordView:
    """A record's check for its screens: the reading, the comparison, and the OCR value of each field."""

    reading: FrontPageReading | None
    check: RecordCheck | None
    failed_qc_page: int | None = None  # no reading, and the front page's current image failed QC (this page)

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


def record_view(session: Session, record: Record) -> RecordView:
    """The record's current reading and its comparison with the record's values now."""
    reading = current_reading(session, record.id)
    if reading is None:
        return RecordView(None, None)  # reading.front_page_view tells a front page that failed QC
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).first()
    return RecordView(reading, compare(reading, record, fp))


def wrong_record_count(session: Session, project_id: int) -> int:
    """How many records' front pages may be another record's (MRN or name differs)."""
    return session.exec(
        select(func.count())
        .select_from(FrontPageReading)
        .where(
            FrontPageReading.project_id == project_id, col(FrontPageReading.current), col(FrontPageReading.wrong_record)
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
    """Reading id → the fields (the visit too) where each of these records' pages differs from it now."""
    ids = [record.id for _, record in rows]
    fps = {f.record_id: f for f in session.exec(select(FrontPage).where(col(FrontPage.record_id).in_(ids)))}
    return {r.id: [f.field for f in compare(r, record, fps.get(record.id)).mismatches] for r, record in rows}


def summary_of(session: Session, record_ids: Any, limit: float) -> LotFrontPages:
    """The front-page check over a set of records (a select of record ids, e.g. a lot's): records, checked,
    mismatches open, possibly wrong records, unreadable, and the field error rate against `limit` (the project's
    field_error_rate; DESIGN.md: ≤ 3 % wrong among the five fields)."""
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
    )
