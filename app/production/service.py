"""Production figures derived from pages: what an operator has produced on a day."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.pages.models import Page, PageImage
from app.projects.models import Project


@dataclass(frozen=True)
class OperatorDay:
    """One operator's day: good pages against the quota, failed images, re-shoots, last shot."""

    day: date
    good_pages: int
    quota: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None


def day_bounds_utc(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which a local calendar day starts and ends."""
    start = datetime.combine(day, time.min, ZoneInfo(tz))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def operator_day(session: Session, project: Project, user_id: int, day: date) -> OperatorDay:
    """Good pages (current, passing, not withdrawn) captured by the operator on the day, and their image counts."""
    good = session.exec(
        select(func.count())
        .select_from(Page)
        .where(
            Page.project_id == project.id,
            Page.capture_date == day,
            Page.operator_id == user_id,
            col(Page.qc_passed).is_(True),
            col(Page.deleted_at).is_(None),
        )
    ).one()
    start, end = day_bounds_utc(day, project.timezone)
    in_day = (PageImage.operator_id == user_id, PageImage.captured_at >= start, PageImage.captured_at < end)
    failed, reshoots, last = session.exec(
        select(
            func.count().filter(col(PageImage.qc_passed).is_(False)),
            func.count().filter(col(PageImage.supersedes_id).is_not(None)),
            func.max(PageImage.captured_at),
        ).where(*in_day)
    ).one()
    return OperatorDay(day, good, project.daily_quota, failed, reshoots, last)
