"""Production over a period: each day's totals, each operator's figures against the quota, one operator's days,
and the CSV export."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from app.production.rules import (
    DayQuota,
    OperatorDayFigures,
    OperatorPeriod,
    QuotaStatus,
    WorkCalendar,
    day_quota,
    operator_period,
    running_average,
)
from app.production.service import summary_rows, user_names
from app.projects.models import Project


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
