"""Suspected repeated pages of a record: the server compares the perceptual hash of every live page's
current image with every earlier page's, once the record is finished and before a lot is applied for."""

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.inspection.models import PageHash
from app.inspection.rules import HashedPage, Repeat, repeats
from app.pages.models import Page
from app.records.models import Record, RecordStatus


def _hashed_pages(session: Session, record_ids: list[int]) -> dict[int, list[HashedPage]]:
    rows = session.exec(
        select(Page.record_id, Page.page_number, Page.id, Page.current_image_id, Page.intentionally_blank, PageHash)
        .join(PageHash, col(PageHash.image_id) == col(Page.current_image_id))
        .where(col(Page.record_id).in_(record_ids), col(Page.deleted_at).is_(None))
    ).all()
    pages: dict[int, list[HashedPage]] = defaultdict(list)
    for record_id, number, page_id, image_id, meant_blank, h in rows:
        pages[record_id].append(HashedPage(number, page_id, image_id, h.phash, blank=h.blank or meant_blank))
    return pages


def record_repeats(session: Session, record: Record) -> list[Repeat]:
    """The record's suspected repeats (later page, earlier page, distance), blank pages excluded."""
    return repeats(_hashed_pages(session, [record.id]).get(record.id, []))


@dataclass(frozen=True)
class RecordRepeats:
    """A finished record with suspected repeated pages."""

    record: Record
    repeats: list[Repeat]


def finished_with_repeats(session: Session, project_id: int, *, limit: int = 500) -> list[RecordRepeats]:
    """Finished records not yet in a lot (the latest `limit` finished) that have suspected repeats."""
    from app.acceptance.models import LotRecord

    records = session.exec(
        select(Record)
        .where(
            Record.project_id == project_id,
            Record.status == RecordStatus.finished,
            col(Record.id).not_in(select(LotRecord.record_id)),
        )
        .order_by(col(Record.finished_at).desc())
        .limit(limit)
    ).all()
    pages = _hashed_pages(session, [r.id for r in records]) if records else {}
    found = [RecordRepeats(r, repeats(pages.get(r.id, []))) for r in records]
    return [f for f in found if f.repeats]
