"""Production figures from the daily summary: the Today board, a period's report, the project's progress."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import Station, User
from app.production.models import ProductionDay
from app.production.rules import (
    DayQuota,
    Forecast,
    OperatorDayFigures,
    OperatorPeriod,
    Pace,
    Progress,
    QuotaStatus,
    WorkCalendar,
    cumulative,
    day_quota,
    forecast,
    operator_period,
    percent_of,
    required_pace,
    running_average,
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


@dataclass(frozen=True)
class DayTotal:
    """All operators together on one day."""

    day: date
    working: bool
    good_pages: int
    images: int
    failed_images: int
    reshoots: int
    operators_on_duty: int


@dataclass(frozen=True)
class OperatorSummary:
    """One operator's line of the Production table."""

    user_id: int
    name: str
    period: OperatorPeriod
    days: list[DayQuota] = field(default_factory=list)  # the operator's days with production, in order


@dataclass(frozen=True)
class ProductionReport:
    """A period's production: daily totals, operators against the quota, the figures behind the CSV."""

    first: date
    last: date
    quota: int
    working_days: int
    days: list[DayTotal]
    operators: list[OperatorSummary]
    team: OperatorPeriod
    assumed_years: tuple[int, ...]
    daily: list[tuple[OperatorDayFigures, int, str]]  # (figures, operator id, operator name) per operator-day


def production_report(
    session: Session,
    project: Project,
    first: date,
    last: date,
    calendar: WorkCalendar,
    only_user_id: int | None = None,
) -> ProductionReport:
    """Daily totals and per-operator averages against the quota for the days `first` to `last`."""
    if last < first:
        first, last = last, first
    rows = summary_rows(session, project.id, first, last, only_user_id)
    per_op_day: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        acc = per_op_day[(r.operator_id, r.capture_date)]
        acc[0] += r.good_pages
        acc[1] += r.images
        acc[2] += r.failed_images
        acc[3] += r.reshoots
    names = user_names(session, {uid for uid, _ in per_op_day})
    figures: dict[int, list[OperatorDayFigures]] = defaultdict(list)
    daily: list[tuple[OperatorDayFigures, int, str]] = []
    for (uid, day), (good, images, failed, reshoots) in sorted(
        per_op_day.items(), key=lambda kv: (kv[0][1], names.get(kv[0][0], ""))
    ):
        f = OperatorDayFigures(day, good, images, failed, reshoots)
        figures[uid].append(f)
        daily.append((f, uid, names.get(uid, str(uid))))
    operators = [
        OperatorSummary(
            uid,
            names.get(uid, str(uid)),
            operator_period(days, project.daily_quota, calendar),
            [day_quota(d.day, d.good_pages, project.daily_quota, calendar) for d in days],
        )
        for uid, days in figures.items()
    ]
    operators.sort(key=lambda o: (-(o.period.average or 0), o.name))
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (_uid, day), (good, images, failed, reshoots) in per_op_day.items():
        t = totals[day]
        t[0] += good
        t[1] += images
        t[2] += failed
        t[3] += reshoots
        t[4] += 1 if images or good else 0
    days = []
    day = first
    while day <= last:
        t = totals.get(day, [0, 0, 0, 0, 0])
        days.append(DayTotal(day, calendar.is_working(day), *t))
        day += timedelta(days=1)
    team = OperatorPeriod(
        sum(d.good_pages for d in days),
        sum(d.images for d in days),
        sum(d.failed_images for d in days),
        sum(d.reshoots for d in days),
        sum(d.operators_on_duty for d in days if d.working),
        sum(d.operators_on_duty for d in days if not d.working),
        sum(o.period.days_met for o in operators),
        project.daily_quota,
    )
    return ProductionReport(
        first,
        last,
        project.daily_quota,
        sum(1 for d in days if d.working),
        days,
        operators,
        team,
        calendar.assumed_years(first, last),
        daily,
    )


@dataclass(frozen=True)
class OperatorDayLine:
    """One day of an operator's record: figures, quota status and the average to date."""

    figures: OperatorDayFigures
    quota: DayQuota
    running_average: float | None


@dataclass(frozen=True)
class OperatorDetail:
    """An operator's days over a period, against the quota."""

    user_id: int
    name: str
    period: OperatorPeriod
    lines: list[OperatorDayLine]


def operator_detail(
    session: Session, project: Project, user_id: int, first: date, last: date, calendar: WorkCalendar
) -> OperatorDetail:
    """Every day the operator produced in the period, with its quota status and the running average after it."""
    report = production_report(session, project, first, last, calendar, only_user_id=user_id)
    days = [f for f, uid, _ in report.daily if uid == user_id]
    averages = dict(running_average(days, calendar))
    lines, last_avg = [], None
    for f in days:
        last_avg = averages.get(f.day, last_avg)
        lines.append(OperatorDayLine(f, day_quota(f.day, f.good_pages, project.daily_quota, calendar), last_avg))
    name = user_names(session, [user_id]).get(user_id, str(user_id))
    return OperatorDetail(user_id, name, operator_period(days, project.daily_quota, calendar), lines)


CSV_HEADER = (
    "date",
    "working_day",
    "operator",
    "good_pages",
    "quota",
    "quota_status",
    "shortfall",
    "uploads",
    "failed_qc",
    "reshoots",
)


def _cell(value: object) -> object:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: names are data, never formulas.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def production_csv(report: ProductionReport, calendar: WorkCalendar, header: Iterable[str] = CSV_HEADER) -> str:
    """One line per operator and day of the report, UTF-8 with a byte-order mark (Excel opens it as UTF-8)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(header))
    for f, _uid, name in report.daily:
        q = day_quota(f.day, f.good_pages, report.quota, calendar)
        working = q.status is not QuotaStatus.day_off
        writer.writerow(
            [
                f.day.isoformat(),
                "1" if working else "0",
                _cell(name),
                f.good_pages,
                report.quota if working else 0,
                q.status.value,
                q.shortfall,
                f.images,
                f.failed_images,
                f.reshoots,
            ]
        )
    return out.getvalue()


# --- the project -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressReport:
    """How far the project is, what pace it needs and when it will finish at the recent pace."""

    today: date
    start_date: date
    end_date: date
    target: int
    progress: Progress
    done_today: int
    pace: Pace
    forecast: Forecast
    series: list[tuple[date, int]]  # cumulative good pages at the end of each day, start .. today


def daily_good_pages(session: Session, project_id: int, last: date | None = None) -> dict[date, int]:
    """Good pages per local day over the whole project (up to `last`)."""
    query = (
        select(ProductionDay.capture_date, func.sum(ProductionDay.good_pages))
        .where(ProductionDay.project_id == project_id)
        .group_by(ProductionDay.capture_date)
    )
    if last is not None:
        query = query.where(col(ProductionDay.capture_date) <= last)
    return {day: int(n or 0) for day, n in session.exec(query)}


def progress_report(
    session: Session, project: Project, today: date, calendar: WorkCalendar, window: int = 20
) -> ProgressReport:
    """Good pages against the target, the pace needed to finish by the end date, and the forecast finish."""
    daily = daily_good_pages(session, project.id, today)
    done = sum(daily.values())
    done_today = daily.get(today, 0)
    first = min([project.start_date, *daily]) if daily else project.start_date
    return ProgressReport(
        today,
        project.start_date,
        project.end_date,
        project.target_pages,
        Progress(done, project.target_pages),
        done_today,
        required_pace(done - done_today, project.target_pages, today, project.end_date, calendar),
        forecast(
            daily,
            target=project.target_pages,
            today=today,
            start_date=project.start_date,
            end_date=project.end_date,
            calendar=calendar,
            window=window,
        ),
        cumulative(daily, first, today) if first <= today else [],
    )
