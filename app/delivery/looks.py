"""Accepted pages that still need a look (issue 16, breakit-b16 #5): their processed copy kept the full frame
because qc found the outline uncertain, and the vendor's QC never judged them (app.inspection.looks).

A delivery warns, it does not refuse: such a page passed QC and its full-frame copy still holds the whole page
(only the crop is uncertain), so nothing of the record is lost; the hospital's custodian sees the count when she
approves the export and decides, as a hospital expects to, rather than one uncertain outline holding back the
whole delivery.
"""

from sqlmodel import Session, col, select

from app.acceptance.models import LotPage
from app.delivery.models import DeliveryExport, DeliveryRecord
from app.inspection.looks import count_looks

LOOKS_URL = "/inspection/looks"


def unlooked_pages(session: Session, project_id: int, round_ids: list[int]) -> int:
    """How many pages of these review rounds' manifests need a look nobody judged (0: none)."""
    accepted = select(LotPage.image_id).where(col(LotPage.round_id).in_(round_ids or [-1]))
    return count_looks(session, project_id, among=accepted)


def export_unlooked_pages(session: Session, export: DeliveryExport, accepted_round_ids: list[int]) -> int:
    """How many pages of the export need a look nobody judged yet, counted now: over the review rounds the export
    fixed when it started (its DeliveryRecord rows), or, not started yet, over the accepted rounds given (those the
    start would take). The figure the custodian saw when approving is the approval's `pages_need_look`."""
    fixed = session.exec(select(DeliveryRecord.round_id).where(DeliveryRecord.export_id == export.id).distinct()).all()
    return unlooked_pages(session, export.project_id, list(fixed) if fixed else accepted_round_ids)
