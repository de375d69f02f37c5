"""Accepted pages that still need a look (issue 16, breakit-b16 #5): their processed copy kept the full frame
because qc found the outline uncertain, and the vendor's QC never judged them (app.inspection.looks).

A delivery warns, it does not refuse: such a page passed QC and its full-frame copy still holds the whole page
(only the crop is uncertain), so nothing of the record is lost; the hospital's custodian sees the count when she
approves the export and decides, as a hospital expects to, rather than one uncertain outline holding back the
whole delivery.
"""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.acceptance.models import LotPage
from app.inspection.models import InspectionItem
from app.pages.models import PageImage
from app.records.versions import needs_look_query

LOOKS_URL = "/inspection/looks"


def unlooked_pages(session: Session, project_id: int, round_ids: list[int]) -> int:
    """How many pages of these review rounds' manifests need a look nobody judged (0: none)."""
    judged = select(InspectionItem.image_id).where(col(InspectionItem.verdict).is_not(None))
    accepted = select(LotPage.image_id).where(col(LotPage.round_id).in_(round_ids or [-1]))
    query = (
        needs_look_query(project_id)
        .where(col(PageImage.id).not_in(judged), col(PageImage.id).in_(accepted))
        .order_by(None)
    )
    return session.exec(select(func.count()).select_from(query.subquery())).one()
