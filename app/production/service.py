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


@dataclass(frozen=True)
class OperatorRow:
    """One line of the Today board."""

    user_id: int
    name: str
    stations: str
    good_pages: int
    quota: int
    images: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None

    @property
    def quota_percent(self) -> int:
        """Good pages as a percentage of the quota (may pass 100)."""
        return round(100 * self.good_pages / self.quota) if self.quota else 0


def today_board(session: Session, project: Project, day: date, only_user_id: int | None = None) -> list[OperatorRow]:
    """Per operator: good pages of the day against the quota, images, failures, re-shoots and last shot."""
    from app.accounts.models import Station, User

    start, end = day_bounds_utc(day, project.timezone)
    image_rows = session.exec(
        select(
            PageImage.operator_id,
            func.count(),
            func.count().filter(col(PageImage.qc_passed).is_(False)),
            func.count().filter(col(PageImage.supersedes_id).is_not(None)),
            func.max(PageImage.captured_at),
        )
        .join(Page, col(Page.id) == PageImage.page_id)
        .where(Page.project_id == project.id, PageImage.captured_at >= start, PageImage.captured_at < end)
        .group_by(PageImage.operator_id)
    ).all()
    good = dict(
        session.exec(
            select(Page.operator_id, func.count())
            .where(
                Page.project_id == project.id,
                Page.capture_date == day,
                col(Page.qc_passed).is_(True),
                col(Page.deleted_at).is_(None),
            )
            .group_by(Page.operator_id)
        ).all()
    )
    station_rows = session.exec(
        select(PageImage.operator_id, Station.name)
        .distinct()
        .join(Station, col(Station.id) == PageImage.station_id)
        .join(Page, col(Page.id) == PageImage.page_id)
        .where(Page.project_id == project.id, PageImage.captured_at >= start, PageImage.captured_at < end)
    ).all()
    stations: dict[int, list[str]] = {}
    for operator_id, name in station_rows:
        stations.setdefault(operator_id, []).append(name)
    operators = session.exec(select(User).where(User.project_id == project.id, User.role == "operator")).all()
    names = {u.id: u.display_name for u in operators}
    activity = {row[0]: row[1:] for row in image_rows}
    ids = sorted(set(names) | set(activity))
    if only_user_id is not None:
        ids = [i for i in ids if i == only_user_id]
    rows = []
    for uid in ids:
        images, failed, reshoots, last = activity.get(uid, (0, 0, 0, None))
        if uid not in names:
            user = session.get(User, uid)
            names[uid] = user.display_name if user else str(uid)
        rows.append(
            OperatorRow(
                uid,
                names[uid],
                ", ".join(sorted(stations.get(uid, []))),
                good.get(uid, 0),
                project.daily_quota,
                images,
                failed,
                reshoots,
                last,
            )
        )
    return sorted(rows, key=lambda r: (-r.good_pages, r.name))
