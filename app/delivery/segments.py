"""Segments of pages and the naming scheme: the project's list and template, corrections, the completeness check."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.delivery.exceptions import BadNaming, BadSegment
from app.delivery.models import NamingScheme
from app.delivery.naming import (
    DEFAULT_SEGMENTS,
    DEFAULT_TEMPLATE,
    NamingError,
    PageSegment,
    check_segments,
    check_template,
    page_segments,
    resolve_mark,
)
from app.pages.models import Page
from app.records.models import Record


@dataclass(frozen=True)
class Scheme:
    """A project's segment list and naming template in force."""

    segments: list[str]
    template: str
    saved: bool


def scheme(session: Session, project_id: int) -> Scheme:
    """The project's segments and template (the defaults until some are saved)."""
    row = session.exec(select(NamingScheme).where(NamingScheme.project_id == project_id)).first()
    if row is None:
        return Scheme(list(DEFAULT_SEGMENTS), DEFAULT_TEMPLATE, saved=False)
    return Scheme(list(row.segments), row.template, saved=True)


def save_scheme(
    session: Session, project_id: int, *, segments: list[str], template: str, actor: dict, now: datetime
) -> Scheme:
    """Save the segment list and template after checking that they name every file safely and apart."""
    try:
        names, template = check_segments(segments), check_template(template)
    except NamingError as exc:
        raise BadNaming(str(exc), code=exc.code, **exc.params) from exc
    row = session.exec(select(NamingScheme).where(NamingScheme.project_id == project_id)).first()
    row = row or NamingScheme(project_id=project_id, template=template)
    row.segments, row.template, row.updated_at, row.updated_by = names, template, now, actor.get("actor_user_id")
    session.add(row)
    session.flush()
    record_event(
        session,
        "naming.save",
        project_id=project_id,
        object_type="project",
        object_id=project_id,
        detail={"segments": names, "template": template},
        **actor,
    )
    return Scheme(names, template, saved=True)


def live_pages(session: Session, record_id: int) -> list[Page]:
    """The record's live pages in page order."""
    return list(
        session.exec(
            select(Page)
            .where(Page.record_id == record_id, col(Page.deleted_at).is_(None))
            .order_by(col(Page.page_number))
        )
    )


def record_segments(session: Session, record: Record, segments: list[str]) -> list[tuple[Page, PageSegment]]:
    """Each live page of the record with the segment its marks give it."""
    pages = live_pages(session, record.id)
    resolved = page_segments([(p.page_number, p.segment) for p in pages], segments)
    return list(zip(pages, resolved, strict=True))


def assign_range(
    session: Session,
    record: Record,
    *,
    first: int,
    last: int,
    segment: str,
    segments: list[str],
    actor: dict,
    now: datetime,
) -> int:
    """Put pages first..last into a segment; the page after the range keeps its segment. Returns the range size."""
    index = resolve_mark(segment, segments)
    if index is None:
        raise BadSegment(f"{segment!r} is not a segment of this project", code="segment_unknown", segment=segment)
    rows = record_segments(session, record, segments)
    numbers = [p.page_number for p, _ in rows]
    if not numbers or first < 1 or last < first or first not in numbers or last not in numbers:
        raise BadSegment(
            f"pages {first}-{last} are not pages of this record (it has {len(numbers)})",
            code="pages_not_in_record",
            first=first,
            last=last,
            pages=len(numbers),
        )
    name = segments[index]
    changed = 0
    after = next(((p, s) for p, s in rows if p.page_number > last), None)
    if after is not None and not (after[0].segment or "").strip():
        # Keep the following pages where they were: mark the first of them with the segment they had.
        keep = segments[after[1].segment_index] if after[1].segment_index is not None else None
        if keep is not None:
            changed += _mark(session, after[0], keep, now)
    for page, _ in rows:
        if page.page_number == first:
            changed += _mark(session, page, name, now)
        elif first < page.page_number <= last:
            changed += _mark(session, page, None, now)
    session.flush()
    record_event(
        session,
        "page.segment",
        project_id=record.project_id,
        object_type="record",
        object_id=record.id,
        detail={"first": first, "last": last, "segment": name, "pages_changed": changed},
        **actor,
    )
    return last - first + 1


def _mark(session: Session, page: Page, mark: str | None, now: datetime) -> int:
    if (page.segment or None) == mark:
        return 0
    page.segment, page.updated_at = mark, now
    session.add(page)
    return 1


@dataclass(frozen=True)
class Incomplete:
    """A record whose pages cannot all be named: pages before the first mark, and marks not in the list."""

    record: Record
    pages: int
    unsegmented: int
    unknown_marks: list[str]


def _problem_records(project_id: int, segments: list[str]):  # noqa: ANN202  (a select of record ids)
    allowed = list(segments) + [str(n) for n in range(1, len(segments) + 1)]
    live = col(Page.deleted_at).is_(None)
    first = (
        select(Page.record_id, func.min(Page.page_number).label("first"))
        .where(Page.project_id == project_id, live)
        .group_by(Page.record_id)
        .subquery()
    )
    unmarked_start = (
        select(Page.record_id)
        .join(first, and_(first.c.record_id == Page.record_id, first.c.first == Page.page_number))
        .where(live, or_(col(Page.segment).is_(None), func.trim(Page.segment) == ""))
    )
    odd_marks = select(Page.record_id).where(
        Page.project_id == project_id,
        live,
        col(Page.segment).is_not(None),
        func.trim(Page.segment) != "",
        col(Page.segment).not_in(allowed),
    )
    return unmarked_start.union(odd_marks)


def incomplete_records(
    session: Session,
    project_id: int,
    segments: list[str],
    *,
    limit: int = 200,
    within=None,  # noqa: ANN001
) -> tuple[int, list[Incomplete]]:
    """How many records cannot be named completely, and the first `limit` of them with what is missing.

    `within` (a select of record ids) narrows the check, e.g. to the records of a delivery.
    """
    ids_query = _problem_records(project_id, segments).subquery()
    conditions = [col(Record.id).in_(select(ids_query.c.record_id))]
    if within is not None:
        conditions.append(col(Record.id).in_(within))
    total = session.exec(select(func.count()).select_from(Record).where(*conditions)).one()
    candidates = session.exec(
        select(Record).where(*conditions).order_by(col(Record.mrn), col(Record.visit)).limit(limit)
    ).all()
    found: list[Incomplete] = []
    for record in candidates:
        rows = record_segments(session, record, segments)
        unsegmented = sum(1 for _, s in rows if s.problem == "before_first_mark")
        unknown = sorted(
            {
                p.segment.strip()
                for p, _ in rows
                if p.segment and p.segment.strip() and resolve_mark(p.segment, segments) is None
            }
        )
        if unsegmented or unknown:
            found.append(Incomplete(record, len(rows), unsegmented, unknown))
        else:
            total -= 1  # a mark with stray spaces: the SQL test flagged it, the rule accepts it
    return total, found
