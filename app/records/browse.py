"""Finding records and looking at their pages in the browser: search, a record's pages, one page's images."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import record_event
from app.pages.exceptions import ImageMissing, PageNotFound
from app.pages.models import Page, PageImage
from app.pages.service import get_page
from app.projects.models import Project
from app.records.models import Record
from app.records.rules import MRN_PATTERN, parse_barcode
from app.records.service import get_record

PER_PAGE = 25


@dataclass(frozen=True)
class RecordHit:
    """A record in a list of results, with its live and good page counts."""

    record: Record
    pages: int
    good_pages: int


@dataclass(frozen=True)
class SearchResult:
    """One page of search results."""

    query: str
    how: str  # "all", "number" (MRN or barcode prefix), "barcode" (a full barcode) or "name"
    items: list[RecordHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many result pages there are (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_records(
    session: Session, project: Project, query: str, page: int = 1, per_page: int = PER_PAGE
) -> SearchResult:
    """Records of the project by MRN or barcode (or their beginning), a full barcode, or part of the patient's name.

    A query of letters and digits only is an MRN or barcode prefix (an index range, fast on millions
    of rows); a full barcode of the project's pattern finds its record; anything else searches names.
    """
    q = query.strip()[:64]
    conditions = [Record.project_id == project.id]
    if not q:
        how = "all"
    elif MRN_PATTERN.match(q):
        how = "number"
        upper = q + "\U0010ffff"
        conditions.append(
            or_(
                (col(Record.mrn) >= q) & (col(Record.mrn) < upper),
                (col(Record.barcode) >= q) & (col(Record.barcode) < upper),
            )
        )
    elif (key := parse_barcode(q, project.barcode_pattern)) is not None:
        how = "barcode"
        conditions.append(or_(Record.barcode == q, (Record.mrn == key.mrn) & (Record.visit == key.visit)))
    else:
        how = "name"
        conditions.append(or_(col(Record.patient_name).like(f"%{_like_escape(q)}%", escape="\\"), Record.barcode == q))
    total = session.exec(select(func.count()).select_from(Record).where(*conditions)).one()
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    # MRN and barcode hits come in MRN order (an index range); the rest newest first: a name search then
    # reads the table once from its end instead of walking the MRN index with a lookup per record.
    order = [col(Record.mrn), col(Record.visit)] if how in ("number", "barcode") else [col(Record.id).desc()]
    records = list(
        session.exec(select(Record).where(*conditions).order_by(*order).offset((page - 1) * per_page).limit(per_page))
    )
    counts = page_counts(session, [r.id for r in records if r.id is not None])
    items = [RecordHit(r, *counts.get(r.id or 0, (0, 0))) for r in records]
    return SearchResult(q, how, items, total, page, per_page)


def page_counts(session: Session, record_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Live pages and good pages per record."""
    if not record_ids:
        return {}
    rows = session.exec(
        select(Page.record_id, func.count(), func.sum(case((col(Page.qc_passed).is_(True), 1), else_=0)))
        .where(col(Page.record_id).in_(record_ids), col(Page.deleted_at).is_(None))
        .group_by(Page.record_id)
    ).all()
    return {rid: (int(n), int(good or 0)) for rid, n, good in rows}


@dataclass(frozen=True)
class PageTile:
    """One live page of a record, as its thumbnail tile shows it."""

    page_id: int
    page_number: int
    image_id: int | None
    qc_passed: bool
    reasons: list[str]
    image_count: int
    operator: str
    captured_at: datetime
    intentionally_blank: bool
    segment: str | None
    metrics: dict = field(default_factory=dict)  # the current image's qc metrics (regions to outline)
    width: int = 0  # the current image's stored size, pixels
    height: int = 0


def record_tiles(session: Session, record_id: int) -> list[PageTile]:
    """The record's live pages in order, each with its current image's verdict and reasons."""
    rows = session.exec(
        select(Page, PageImage.qc_reasons, User.display_name, PageImage.qc_metrics, PageImage.width, PageImage.height)
        .join(PageImage, col(PageImage.id) == Page.current_image_id, isouter=True)
        .join(User, col(User.id) == Page.operator_id, isouter=True)
        .where(Page.record_id == record_id, col(Page.deleted_at).is_(None))
        .order_by(col(Page.page_number))
    ).all()
    return [
        PageTile(
            p.id or 0,
            p.page_number,
            p.current_image_id,
            p.qc_passed,
            list(reasons or []),
            p.image_count,
            name or str(p.operator_id),
            p.captured_at,
            p.intentionally_blank,
            p.segment,
            dict(metrics or {}),
            width or 0,
            height or 0,
        )
        for p, reasons, name, metrics, width, height in rows
    ]


def view_record(session: Session, project: Project, record_id: int, *, actor: dict) -> tuple[Record, list[PageTile]]:
    """A record of the project and its pages; opening it (patient data) is audited."""
    record = get_record(session, project.id, record_id)
    record_event(session, "record.view", project_id=project.id, object_type="record", object_id=record.id, **actor)
    return record, record_tiles(session, record.id or 0)


@dataclass(frozen=True)
class PageView:
    """One page with all of its images (history) and its neighbours in the record."""

    record: Record
    page: Page
    image: PageImage
    images: list[PageImage]
    operators: dict[int, str]
    previous_page_id: int | None
    next_page_id: int | None


def page_view(session: Session, project: Project, record_id: int, page_id: int, image_id: int | None) -> PageView:
    """The page of this project's record, the image asked for (default: the current one) and the history."""
    record = get_record(session, project.id, record_id)
    page = session.get(Page, page_id)
    if page is None or page.record_id != record.id:
        raise PageNotFound(f"page {page_id} is not a page of record {record_id}")
    images = list(session.exec(select(PageImage).where(PageImage.page_id == page.id).order_by(col(PageImage.id))))
    wanted = image_id or page.current_image_id
    image = next((i for i in images if i.id == wanted), None)
    if image is None:
        raise ImageMissing(f"page {page.id} has no image {wanted}")
    names = dict(
        session.exec(select(User.id, User.display_name).where(col(User.id).in_({i.operator_id for i in images}))).all()
    )
    live = list(
        session.exec(
            select(Page.id)
            .where(Page.record_id == record.id, col(Page.deleted_at).is_(None))
            .order_by(col(Page.page_number))
        )
    )
    at = live.index(page.id) if page.id in live else -1
    previous_id = live[at - 1] if at > 0 else None
    next_id = live[at + 1] if 0 <= at < len(live) - 1 else None
    return PageView(record, page, image, images, names, previous_id, next_id)


def image_of_project(session: Session, project_id: int, page_id: int, image_id: int | None) -> tuple[Page, PageImage]:
    """The page of the project and one of its images (default: the current one), or a 404 error."""
    page = get_page(session, project_id, page_id)
    wanted = image_id or page.current_image_id
    image = session.get(PageImage, wanted) if wanted else None
    if image is None or image.page_id != page.id:
        raise ImageMissing(f"page {page.id} has no image {wanted}")
    return page, image
