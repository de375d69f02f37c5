"""Pages that need a look (issue 16): the processed copy kept the full frame because qc found the page outline
uncertain. The vendor's QC lists them, opens each in the inspection screen (an inspection item, why "look") and
passes it (the full-frame copy is accepted) or flags it for a re-shoot, with the usual verdict, tally and audit.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.inspection.exceptions import ItemNotFound
from app.inspection.models import InspectionItem
from app.inspection.service import STALE_CLAIM, _current_page
from app.inspection.tasks import open_task_of_page
from app.pages.models import PageImage
from app.records.models import Record
from app.records.versions import looked_images, needs_look_query


@dataclass(frozen=True)
class LookLine:
    """A page to look at: where it is, who shot it, and what the vendor's QC decided so far (None: nothing)."""

    page_id: int
    image_id: int
    record_id: int
    mrn: str
    visit: int
    page_number: int
    operator: str
    captured_at: datetime
    item_id: int | None
    verdict: str | None  # "pass" | "flag" | None
    open_task: bool


def look_lines(session: Session, project_id: int, *, include_judged: bool, limit: int = 500) -> list[LookLine]:
    """The project's pages that need a look, in record and page order: the ones nobody judged yet, or all."""
    rows = session.exec(needs_look_query(session, project_id).limit(limit if include_judged else 100_000)).all()
    items = {
        i.image_id: i
        for i in session.exec(
            select(InspectionItem).where(col(InspectionItem.image_id).in_([img.id for _, img in rows] or [0]))
        )
    }
    records = {
        r.id: r for r in session.exec(select(Record).where(col(Record.id).in_({p.record_id for p, _ in rows} or {0})))
    }
    names = dict(
        session.exec(
            select(User.id, User.display_name).where(col(User.id).in_({i.operator_id for _, i in rows} or {0}))
        ).all()
    )
    out = []
    for page, image in rows:
        item = items.get(image.id)
        verdict = item.verdict if item else None
        if verdict and not include_judged:
            continue
        record = records[page.record_id]
        out.append(
            LookLine(
                page.id or 0,
                image.id or 0,
                page.record_id,
                record.mrn,
                record.visit,
                page.page_number,
                names.get(image.operator_id, str(image.operator_id)),
                image.captured_at,
                item.id if item else None,
                verdict,
                open_task_of_page(session, page.id or 0) is not None,
            )
        )
        if len(out) >= limit:
            break
    return out


def count_looks(session: Session, project_id: int, among: Any = None) -> int:
    """How many pages need a look that the vendor's QC has not judged yet (the inspection overview's figure): their
    current copy (app.records.versions.needs_look_query) is marked; with `among` (a select of image ids, e.g. a
    lot's manifest) only those images."""
    judged = select(InspectionItem.image_id).where(col(InspectionItem.verdict).is_not(None))
    query = needs_look_query(session, project_id).where(col(PageImage.id).not_in(judged)).order_by(None)
    if among is not None:
        query = query.where(col(PageImage.id).in_(among))
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def open_look(session: Session, project_id: int, page_id: int, image_id: int, user_id: int, now: datetime) -> int:
    """The inspection item of a page that needs a look, made (why "look") and taken by the user when the image has
    none yet; its id. 404 for another project's page or a page that needs no look, 409 image_superseded when the
    image is no longer current."""
    page = _current_page(session, project_id, page_id, image_id)
    if image_id not in looked_images(session, [image_id]):
        raise ItemNotFound(f"page {page_id} does not need a look")
    item = session.exec(select(InspectionItem).where(InspectionItem.image_id == image_id)).first()
    if item is None:
        image = session.get(PageImage, image_id)
        assert image is not None
        made = InspectionItem(
            project_id=project_id,
            page_id=page_id,
            record_id=page.record_id,
            image_id=image_id,
            operator_id=image.operator_id,
            station_id=image.station_id,
            capture_date=page.capture_date,
            why="look",
            near=[],
            created_at=now,
            inspector_id=user_id,
            claimed_at=now,
        )
        try:
            with session.begin_nested():  # a colleague opened the same page meanwhile: theirs is the item
                session.add(made)
            return made.id or 0
        except IntegrityError:
            item = session.exec(select(InspectionItem).where(InspectionItem.image_id == image_id)).one()
    stale = item.claimed_at is not None and item.claimed_at < now - STALE_CLAIM
    if item.verdict is None and (item.inspector_id is None or stale):
        item.inspector_id, item.claimed_at = user_id, now
        session.add(item)
        session.flush()
    return item.id or 0
