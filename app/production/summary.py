"""The daily summary (production_day) against the pages themselves: recount, compare, rebuild.

The triggers created by the migration keep the summary current; these functions recount it from
`page` and `page_image` to prove that (tests, the bench) and to rebuild it after a bulk load.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert
from sqlmodel import Session, col, select

from app.pages.models import Page, PageImage
from app.production.models import ProductionDay
from app.projects.models import Project

Key = tuple[date, int, int]  # capture_date, operator_id, station_id


@dataclass(frozen=True)
class Counts:
    """One summary row's figures."""

    good_pages: int = 0
    images: int = 0
    failed_images: int = 0
    reshoots: int = 0
    last_captured_at: datetime | None = None


def _fixed_offset_minutes(zone: ZoneInfo, first: date, last: date) -> int | None:
    """The zone's UTC offset in minutes when it is the same on the 1st and 15th of every month from first to last."""
    offsets = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        for day in (1, 15):
            offset = datetime(year, month, day, 12, tzinfo=zone).utcoffset()
            offsets.add(None if offset is None else int(offset.total_seconds() // 60))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return offsets.pop() if len(offsets) == 1 else None


def _image_day(session: Session, project: Project):  # noqa: ANN202  (a SQL expression, or None)
    """SQL for an image's local day, when the database can compute it; None means: compute it in Python."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return func.date(func.timezone(project.timezone, func.timezone("UTC", PageImage.captured_at)))
    span = session.exec(
        select(func.min(PageImage.captured_at), func.max(PageImage.captured_at))
        .join(Page, col(Page.id) == PageImage.page_id)
        .where(Page.project_id == project.id)
    ).one()
    if span[0] is None:
        return None
    offset = _fixed_offset_minutes(ZoneInfo(project.timezone), span[0].date(), span[1].date())
    if offset is None:
        return None
    # SQLite keeps naive UTC text; shifting it by the zone's constant offset gives the local date.
    return func.date(PageImage.captured_at, f"{offset:+d} minutes")


def recount(session: Session, project: Project) -> dict[Key, Counts]:
    """Count good pages and uploads per local day, operator and station from the pages and images."""
    rows: dict[Key, list] = defaultdict(lambda: [0, 0, 0, 0, None])
    good = session.exec(
        select(Page.capture_date, Page.operator_id, Page.station_id, func.count())
        .where(Page.project_id == project.id, col(Page.qc_passed).is_(True), col(Page.deleted_at).is_(None))
        .group_by(Page.capture_date, Page.operator_id, Page.station_id)
    )
    for day, operator_id, station_id, n in good:
        rows[(day, operator_id, station_id)][0] = n
    day_sql = _image_day(session, project)
    in_project = (col(Page.id) == PageImage.page_id, Page.project_id == project.id)
    if day_sql is not None:
        aggregated = session.exec(
            select(
                day_sql,
                PageImage.operator_id,
                PageImage.station_id,
                func.count(),
                func.sum(case((col(PageImage.qc_passed).is_(False), 1), else_=0)),
                func.sum(case((col(PageImage.supersedes_id).is_not(None), 1), else_=0)),
                func.max(PageImage.captured_at),
            )
            .join(Page, in_project[0])
            .where(in_project[1])
            .group_by(day_sql, PageImage.operator_id, PageImage.station_id)
        )
        for day, operator_id, station_id, n, failed, reshoots, last in aggregated:
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            rows[(day, operator_id, station_id)][1:] = [n, int(failed or 0), int(reshoots or 0), last]
        return {k: Counts(*v) for k, v in rows.items()}
    zone = ZoneInfo(project.timezone)
    images = session.exec(
        select(
            PageImage.captured_at,
            PageImage.operator_id,
            PageImage.station_id,
            PageImage.qc_passed,
            col(PageImage.supersedes_id).is_not(None),
        )
        .join(Page, in_project[0])
        .where(in_project[1])
        .execution_options(yield_per=20_000)
    )
    day_of: dict[datetime, date] = {}  # every zone's offset is a whole number of minutes
    for at, operator_id, station_id, passed, reshoot in images:
        minute = at.replace(second=0, microsecond=0)
        day = day_of.get(minute)
        if day is None:
            day = day_of[minute] = minute.astimezone(zone).date()
        row = rows[(day, operator_id, station_id)]
        row[1] += 1
        row[2] += 0 if passed else 1
        row[3] += 1 if reshoot else 0
        row[4] = at if row[4] is None or at > row[4] else row[4]
    return {k: Counts(*v) for k, v in rows.items()}


def stored(session: Session, project_id: int) -> dict[Key, Counts]:
    """The summary rows as the database holds them."""
    return {
        (r.capture_date, r.operator_id, r.station_id): Counts(
            r.good_pages, r.images, r.failed_images, r.reshoots, r.last_captured_at
        )
        for r in session.exec(select(ProductionDay).where(ProductionDay.project_id == project_id))
    }


def mismatches(session: Session, project: Project) -> dict[Key, tuple[Counts | None, Counts | None]]:
    """Every key where the summary differs from a recount: key -> (stored, recounted)."""
    have = stored(session, project.id)
    want = recount(session, project)
    out: dict[Key, tuple[Counts | None, Counts | None]] = {}
    for key in set(have) | set(want):
        a, b = have.get(key), want.get(key)
        if (a or Counts()) != (b or Counts()):
            out[key] = (a, b)
    return out


def rebuild(session: Session, project: Project) -> int:
    """Replace the project's summary rows with a recount (after a bulk load); returns the rows written."""
    counts = recount(session, project)
    session.execute(delete(ProductionDay).where(col(ProductionDay.project_id) == project.id))
    values = [
        {
            "project_id": project.id,
            "capture_date": day,
            "operator_id": operator_id,
            "station_id": station_id,
            "good_pages": c.good_pages,
            "images": c.images,
            "failed_images": c.failed_images,
            "reshoots": c.reshoots,
            "last_captured_at": c.last_captured_at.astimezone(UTC) if c.last_captured_at else None,
        }
        for (day, operator_id, station_id), c in counts.items()
    ]
    if values:
        session.execute(insert(ProductionDay), values)
    session.flush()
    return len(values)
