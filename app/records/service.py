"""Finding, creating and finishing paper records."""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.custody.policy import require_capturable
from app.inspection.tasks import withdraw_page_task
from app.pages.models import Page, RecordOperation
from app.projects.models import Project
from app.records.exceptions import (
    BadRecordIdentity,
    BarcodeInUse,
    OperationKeyReused,
    PageNumberNotFound,
    RecordNotFound,
)
from app.records.models import Record, RecordStatus
from app.records.rules import MRN_PATTERN, Completeness, RecordKey, completeness, parse_barcode


def resolve_key(project: Project, *, mrn: str | None, visit: int | None, barcode: str | None) -> RecordKey:
    """The record's MRN + visit, given directly or read from its barcode."""
    if mrn is not None and visit is not None:
        if not MRN_PATTERN.match(mrn) or visit < 1:
            raise BadRecordIdentity("MRN must be 1-32 letters or digits and visit a number from 1")
        return RecordKey(mrn, visit)
    if barcode:
        key = parse_barcode(barcode, project.barcode_pattern)
        if key is None:
            raise BadRecordIdentity(f"barcode {barcode!r} is not a record barcode of this project")
        return key
    raise BadRecordIdentity("give MRN and visit, or a barcode")


def find_record(
    session: Session, project_id: int, *, mrn: str | None = None, visit: int | None = None, barcode: str | None = None
) -> Record | None:
    """The record with this barcode, or with this MRN + visit."""
    query = select(Record).where(Record.project_id == project_id)
    if barcode and (mrn is None or visit is None):
        by_code = session.exec(query.where(Record.barcode == barcode)).first()
        if by_code is not None:
            return by_code
        return None
    return session.exec(query.where(Record.mrn == mrn, Record.visit == visit)).first()


def get_or_create_record(
    session: Session,
    project: Project,
    *,
    mrn: str | None = None,
    visit: int | None = None,
    barcode: str | None = None,
    actor: dict | None = None,
    capture: bool = True,
) -> tuple[Record, bool]:
    """The project's record for this identity, created if new; True when it was created. Safe under races.

    With capture=True (a station opening a record or uploading a page) the project's check-out rule applies.
    """
    record, created = _get_or_create_record(session, project, mrn=mrn, visit=visit, barcode=barcode, actor=actor)
    if capture:  # custody (issue 9): no capture unless the paper is checked out, when the project requires it
        require_capturable(session, project, record)
    return record, created


def _get_or_create_record(
    session: Session,
    project: Project,
    *,
    mrn: str | None,
    visit: int | None,
    barcode: str | None,
    actor: dict | None,
) -> tuple[Record, bool]:
    if barcode and (mrn is None or visit is None):
        existing = find_record(session, project.id, barcode=barcode)
        if existing is not None:
            return existing, False
    key = resolve_key(project, mrn=mrn, visit=visit, barcode=barcode)
    existing = find_record(session, project.id, mrn=key.mrn, visit=key.visit)
    if barcode:
        owner = find_record(session, project.id, barcode=barcode)
        if owner is not None and owner is not existing:
            raise BarcodeInUse(f"barcode {barcode!r} already belongs to record {owner.mrn}/{owner.visit}")
        if existing is not None and existing.barcode not in (None, barcode):
            raise BarcodeInUse(f"record {existing.mrn}/{existing.visit} has the barcode {existing.barcode!r}")
    if existing is not None:
        if barcode and existing.barcode is None:
            existing.barcode = barcode
            session.add(existing)
        return existing, False
    record = Record(project_id=project.id, mrn=key.mrn, visit=key.visit, barcode=barcode or None)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another request created it a moment ago.
        again = find_record(session, project.id, mrn=key.mrn, visit=key.visit)
        if again is None:
            raise
        return again, False
    record_event(
        session, "record.create", project_id=project.id, object_type="record", object_id=record.id, **(actor or {})
    )
    return record, True


def get_record(session: Session, project_id: int, record_id: int) -> Record:
    """The record of this project, or a 404 error (a record of another project is not found)."""
    record = session.get(Record, record_id)
    if record is None or record.project_id != project_id:
        raise RecordNotFound(f"record {record_id} does not exist")
    return record


def record_pages(session: Session, record_id: int) -> list[Page]:
    """The record's live pages in page order (withdrawn pages are history, not listed)."""
    return list(
        session.exec(
            select(Page)
            .where(Page.record_id == record_id, col(Page.deleted_at).is_(None))
            .order_by(col(Page.page_number))
        )
    )


def live_page_numbers(session: Session, record_id: int) -> list[int]:
    """The page numbers of the record's live pages, ascending."""
    return list(
        session.exec(
            select(Page.page_number)
            .where(Page.record_id == record_id, col(Page.deleted_at).is_(None))
            .order_by(col(Page.page_number))
        )
    )


def renumber(
    session: Session,
    record: Record,
    *,
    key: str,
    op: str,
    page_number: int,
    station_id: int,
    user_id: int,
    now: datetime,
    actor: dict | None = None,
) -> RecordOperation:
    """Withdraw page n and close the gap ("delete"), or open slot n for a missed page ("insert"); once per key."""
    done = session.exec(select(RecordOperation).where(RecordOperation.key == key)).first()
    if done is not None:
        if done.record_id != record.id or done.op != op or done.page_number != page_number:
            raise OperationKeyReused("this operation key was already used for another operation")
        return done
    numbers = live_page_numbers(session, record.id)
    if op == "delete":
        if page_number not in numbers:
            raise PageNumberNotFound(f"record {record.id} has no page {page_number}")
        page_id = session.exec(
            select(Page.id).where(
                Page.record_id == record.id, Page.page_number == page_number, col(Page.deleted_at).is_(None)
            )
        ).first()
        if page_id is not None:  # its re-shoot task goes with it (vendor QC, issue 15)
            withdraw_page_task(session, page_id, user_id=user_id, actor=actor or {}, now=now)
        session.execute(
            update(Page)
            .where(Page.record_id == record.id, Page.page_number == page_number, col(Page.deleted_at).is_(None))
            .values(deleted_at=now, updated_at=now)
        )
        _shift(session, record.id, above=page_number, by=-1)
    elif op == "insert":
        if page_number > (numbers[-1] if numbers else 0) + 1:
            raise PageNumberNotFound(f"page {page_number} is beyond the end of record {record.id}")
        _shift(session, record.id, above=page_number - 1, by=1)
    else:
        raise BadRecordIdentity(f"unknown operation {op!r}")
    operation = RecordOperation(
        record_id=record.id,
        key=key,
        op=op,
        page_number=page_number,
        pages_after=live_page_numbers(session, record.id),
        station_id=station_id,
        user_id=user_id,
        created_at=now,
    )
    session.add(operation)
    session.flush()
    record_event(
        session,
        f"record.page_{op}",
        project_id=record.project_id,
        object_type="record",
        object_id=record.id,
        detail={"page_number": page_number},
        **(actor or {}),
    )
    return operation


def _shift(session: Session, record_id: int, *, above: int, by: int) -> None:
    # Two steps through negative numbers: the unique index is checked row by row on both backends.
    live = (Page.record_id == record_id, col(Page.deleted_at).is_(None))
    session.execute(update(Page).where(*live, Page.page_number > above).values(page_number=-Page.page_number))
    session.execute(update(Page).where(*live, Page.page_number < 0).values(page_number=-Page.page_number + by))


def finish_record(
    session: Session, record: Record, *, paper_page_count: int, now: datetime, actor: dict | None = None
) -> Completeness:
    """Compare captured pages with the paper's count; the record is finished when nothing is missing or extra."""
    if paper_page_count < 1:
        raise BadRecordIdentity("the paper page count must be at least 1")
    numbers = live_page_numbers(session, record.id)
    result = completeness(numbers, paper_page_count)
    record.paper_page_count = paper_page_count
    if result.complete:
        record.status = RecordStatus.finished
        record.finished_at = now
    else:
        record.status = RecordStatus.capturing
        record.finished_at = None
    session.add(record)
    record_event(
        session,
        "record.finish",
        project_id=record.project_id,
        object_type="record",
        object_id=record.id,
        outcome="success" if result.complete else "incomplete",
        detail={"paper_page_count": paper_page_count, "missing": len(result.missing), "extra": len(result.extra)},
        **(actor or {}),
    )
    return result
