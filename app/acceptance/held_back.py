"""What an application for acceptance leaves out, and what it would take in without front-page data: the lots page
names the held-back records with their reason (and a link), and warns before a lot is applied for."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from app.acceptance.models import LotRecord
from app.acceptance.service import local_midnight_utc, unlotted_records
from app.frontpage.checks import summary_of
from app.frontpage.crosscheck import LotFrontPages
from app.frontpage.models import FrontPage
from app.pages.models import Page
from app.projects.models import Project
from app.records.models import Record, RecordStatus

# Why a finished record stays out of a lot (labels in app/acceptance/labels.py HELD_BACK_LABELS).
FAILED_QC, NO_IMAGE, NO_PAGES, OTHER = "failed_qc", "no_image", "no_pages", "other"


@dataclass(frozen=True)
class HeldBack:
    """A finished record left out of the next lot, and why (the first page numbers that stop it)."""

    record_id: int
    mrn: str
    visit: int
    reason: str
    pages: tuple[int, ...]


def held_back_records(session: Session, project: Project, *, limit: int = 100) -> tuple[int, list[HeldBack]]:
    """Finished records not in a lot that an application would leave out: (how many, the first `limit` of them,
    by MRN), each with its reason: a current page failed QC, a page has no image, or the record has no page."""
    in_lot = exists().where(LotRecord.record_id == Record.id)
    taken = unlotted_records(project, None).subquery()
    where = [
        Record.project_id == project.id,
        Record.status == RecordStatus.finished,
        ~in_lot,
        col(Record.id).not_in(select(taken.c.id)),
    ]
    total = session.exec(select(func.count()).select_from(Record).where(*where)).one()
    records = session.exec(select(Record).where(*where).order_by(col(Record.mrn), col(Record.visit)).limit(limit)).all()
    ids = [r.id for r in records]
    pages = session.exec(
        select(Page.record_id, Page.page_number, Page.qc_passed, Page.current_image_id)
        .where(col(Page.record_id).in_(ids or [-1]), col(Page.deleted_at).is_(None))
        .order_by(col(Page.page_number))
    ).all()
    failed: dict[int, list[int]] = {}
    missing: dict[int, list[int]] = {}
    live: set[int] = set()
    for record_id, number, passed, image_id in pages:
        live.add(record_id)
        if image_id is None:
            missing.setdefault(record_id, []).append(number)
        elif passed is False:
            failed.setdefault(record_id, []).append(number)
    out = []
    for r in records:
        if r.id in failed:
            reason, numbers = FAILED_QC, failed[r.id]
        elif r.id in missing:
            reason, numbers = NO_IMAGE, missing[r.id]
        elif r.id not in live:
            reason, numbers = NO_PAGES, []
        else:
            reason, numbers = OTHER, []  # held back by a rule of another feature
        out.append(HeldBack(r.id, r.mrn, r.visit, reason, tuple(numbers[:10])))
    return total, out


def without_front_page(session: Session, project: Project, period_end: date | None = None) -> int:
    """How many records a lot applied for now (up to period_end) would take in without front-page data: their
    five fields cannot be checked against the paper, so the review counts them as missing."""
    cutoff = local_midnight_utc(period_end + timedelta(days=1), project.timezone) if period_end else None
    ids = unlotted_records(project, cutoff).subquery()
    has_fp = exists().where(FrontPage.record_id == ids.c.id)
    return session.exec(select(func.count()).select_from(ids).where(~has_fp)).one()


def front_page_check(session: Session, project: Project, lot_id: int | None = None) -> LotFrontPages:
    """The front-page check (OCR, issue 18) of a lot's records, or of those a lot applied for now would take."""
    if lot_id is not None:
        ids = select(LotRecord.record_id).where(LotRecord.lot_id == lot_id)
    else:
        ids = select(unlotted_records(project, None).subquery().c.id)
    return summary_of(session, ids, float(project.field_error_rate))
