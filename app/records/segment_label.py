"""The segment a page is filed under, as a delivery package names it (break-it b16 finding 9): the review screen and
the record page show it, inherited from the last segment mark at or before the page (app.delivery.segments)."""

from itertools import groupby

from sqlmodel import Session, col, select

from app.delivery.naming import page_segments
from app.delivery.segments import live_pages, scheme
from app.navigation import N_
from app.pages.models import Page
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


# What the segment screens call a page without a segment (record_segments.html), by segments_of_pages' reason.
NO_SEGMENT_WORDS = {"unknown_mark": N_("unknown mark"), "before_first_mark": N_("no segment")}


def segment_words(shown: str | None, gettext) -> str:  # noqa: ANN001
    """A segments_of_pages value as a reader reads it: the segment's name as is, a reason in the reader's language
    (gettext), "" for a page that is not live any more (None)."""
    if shown is None:
        return ""
    return gettext(NO_SEGMENT_WORDS[shown]) if shown in NO_SEGMENT_WORDS else shown


def segments_of_pages(session: Session, project_id: int, record_ids) -> dict[tuple[int, int], str]:  # noqa: ANN001
    """Each live page of the records (a select of record ids) by (record id, page number): its segment as
    segment_of_page names it ("02_入院记录"), else the reason it has none, "unknown_mark" or "before_first_mark"
    (the words app/delivery/templates/delivery/record_segments.html shows for them). One query for the pages."""
    segments = scheme(session, project_id).segments
    rows = session.exec(
        select(Page.record_id, Page.page_number, Page.segment)
        .where(col(Page.record_id).in_(record_ids), col(Page.deleted_at).is_(None))
        .order_by(col(Page.record_id), col(Page.page_number))
    ).all()
    out: dict[tuple[int, int], str] = {}
    for record_id, pages in groupby(rows, key=lambda row: row[0]):
        for seg in page_segments([(number, mark) for _, number, mark in pages], segments):
            if seg.segment_index is None or seg.problem:
                out[(record_id, seg.page_number)] = seg.problem or "before_first_mark"
            else:
                out[(record_id, seg.page_number)] = f"{seg.segment_index + 1:02d}_{segments[seg.segment_index]}"
    return out
