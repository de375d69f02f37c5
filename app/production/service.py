"""Production figures from the daily summary rows: a day's rows, the station's own figure, and the Today board.

A period (report, operator detail, CSV) is in `app.production.period`; the project's progress in
`app.production.progress`."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.accounts.models import Station, User
from app.production.models import ProductionDay
from app.production.rules import (
    QuotaStatus,
    WorkCalendar,
    day_quota,
    percent_of,
)
from app.projects.models import Project

# Longest period the Production screen and its export accept.
MAX_PERIOD_DAYS = 5 * 366


def day_bounds_utc(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which a local calendar day starts and ends."""
    start = datetime.combine(day, time.min, ZoneInfo(tz))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@dataclass(frozen=True)
class DayRow:
    """Summary figures of one day for one operator at one station (or summed over some of them)."""

    capture_date: date
    operator_id: int
    station_id: int
    good_pages: int
    images: int
    failed_images: int
    reshoots: int
    last_captured_at: datetime | None


def summary_rows(
    session: Session, project_id: int, first: date, last: date, only_user_id: int | None = None
) -> list[DayRow]:
    """The summary rows of the days from `first` to `last` (included), optionally for one operator."""
    query = select(
        ProductionDay.capture_date,
        ProductionDay.operator_id,
        ProductionDay.station_id,
        ProductionDay.good_pages,
        ProductionDay.images,
        ProductionDay.failed_images,
        ProductionDay.reshoots,
        ProductionDay.last_captured_at,
    ).where(
        ProductionDay.project_id == project_id,
        col(ProductionDay.capture_date) >= first,
        col(ProductionDay.capture_date) <= last,
    )
    if only_user_id is not None:
        query = query.where(ProductionDay.operator_id == only_user_id)
    return [DayRow(*r) for r in session.exec(query)]


# --- the station's own figure -------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorDay:
    """One operator's day: good pages against the quota, failed images, re-shoots, last shot."""

    day: date
    good_pages: int
    quota: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None


def operator_day(session: Session, project: Project, user_id: int, day: date) -> OperatorDay:
    """Good pages (current, passing, not withdrawn) captured by the operator on the day, and their uploads."""
    rows = summary_rows(session, project.id, day, day, only_user_id=user_id)
    last = max((r.last_captured_at for r in rows if r.last_captured_at), default=None)
    return OperatorDay(
        day,
        sum(r.good_pages for r in rows),
        project.daily_quota,
        sum(r.failed_images for r in rows),
        sum(r.reshoots for r in rows),
        last,
    )


# --- Today -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorRow:
    """One operator on the Today board."""

    user_id: int
    name: str
    stations: str
    good_pages: int
    quota: int
    images: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None
    status: QuotaStatus

    @property
    def quota_percent(self) -> int:
        """Good pages as a percentage of the quota (may pass 100)."""
        return percent_of(self.good_pages, self.quota)

    @property
    def shortfall(self) -> int:
        """Pages still missing to the quota on a working day."""
        return max(self.quota - self.good_pages, 0) if self.status is not QuotaStatus.day_off else 0


@dataclass(frozen=True)
class StationRow:
    """One capture station on the Today board."""

    station_id: int
    name: str
    operators: str
    good_pages: int
    images: int
    failed_images: int
    reshoots: int
    last_capture_at: datetime | None


@dataclass(frozen=True)
class TodayBoard:
    """The day's production per operator and per station."""

    day: date
    working_day: bool
    quota: int
    operators: list[OperatorRow]
    stations: list[StationRow]

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the operators shown."""
        rows = self.operators
        return {
            "good": sum(r.good_pages for r in rows),
            "images": sum(r.images for r in rows),
            "failed": sum(r.failed_images for r in rows),
            "reshoots": sum(r.reshoots for r in rows),
            "met": sum(1 for r in rows if r.status is QuotaStatus.met),
        }


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Display names of users by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted))).all())


def station_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Names of stations by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.exec(select(Station.id, Station.name).where(col(Station.id).in_(wanted))).all())


def _latest(values: Iterable[datetime | None]) -> datetime | None:
    return max((v for v in values if v is not None), default=None)


def today_board(
    session: Session, project: Project, day: date, calendar: WorkCalendar, only_user_id: int | None = None
) -> TodayBoard:
    """Per operator and per station: the day's good pages (against the quota), uploads, re-shoots, last shot."""
    rows = summary_rows(session, project.id, day, day, only_user_id)
    working = calendar.is_working(day)
    operators = session.exec(
        select(User.id).where(User.project_id == project.id, User.role == "operator", col(User.active).is_(True))
    ).all()
    operator_ids = {r.operator_id for r in rows} | (set(operators) if only_user_id is None else {only_user_id})
    users = user_names(session, operator_ids)
    stations = station_names(session, {r.station_id for r in rows})
    by_operator: dict[int, list[DayRow]] = defaultdict(list)
    by_station: dict[int, list[DayRow]] = defaultdict(list)
    for r in rows:
        by_operator[r.operator_id].append(r)
        by_station[r.station_id].append(r)
    op_rows = []
    for uid in operator_ids:
        mine = by_operator.get(uid, [])
        good = sum(r.good_pages for r in mine)
        op_rows.append(
            OperatorRow(
                uid,
                users.get(uid, str(uid)),
                ", ".join(sorted({stations.get(r.station_id, str(r.station_id)) for r in mine if r.images})),
                good,
                project.daily_quota,
                sum(r.images for r in mine),
                sum(r.failed_images for r in mine),
                sum(r.reshoots for r in mine),
                _latest(r.last_captured_at for r in mine),
                day_quota(day, good, project.daily_quota, calendar).status,
            )
        )
    st_rows = [
        StationRow(
            sid,
            stations.get(sid, str(sid)),
            ", ".join(sorted({users.get(r.operator_id, str(r.operator_id)) for r in mine if r.images})),
            sum(r.good_pages for r in mine),
            sum(r.images for r in mine),
            sum(r.failed_images for r in mine),
            sum(r.reshoots for r in mine),
            _latest(r.last_captured_at for r in mine),
        )
        for sid, mine in by_station.items()
    ]
    return TodayBoard(
        day,
        working,
        project.daily_quota,
        sorted(op_rows, key=lambda r: (-r.good_pages, r.name)),
        sorted(st_rows, key=lambda r: r.name),
    )


# --- a period ---------------------------------------------------------------------------------------


# --- the project -------------------------------------------------------------------------------------
