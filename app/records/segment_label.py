"""The segment a page is filed under, as a delivery package names it (break-it b16 finding 9): the review screen and
the record page show it, inherited from the last segment mark at or before the page (app.delivery.segments)."""

from sqlmodel import Session

from app.delivery.naming import page_segments
from app.delivery.segments import live_pages, scheme
from app.records.models import Record


def segment_of_page(session: Session, record: Record, page_number: int) -> str | None:
    """The page's segment as the package's folder names it, e.g. "02_入院记录" (the default template's
    `{segment_no}_{segment}`); None when the page is in none (no mark at or before it, an unknown mark, no such
    live page)."""
    segments = scheme(session, record.project_id).segments
    pages = live_pages(session, record.id)
    for seg in page_segments([(p.page_number, p.segment) for p in pages], segments):
        if seg.page_number == page_number:
            if seg.segment_index is None or seg.problem:
                return None
            return f"{seg.segment_index + 1:02d}_{segments[seg.segment_index]}"
    return None
