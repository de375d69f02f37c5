"""The project's progress: good pages to date against the contract's target, the pace needed and the forecast."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.production.models import ProductionDay
from app.production.pace import Forecast, Pace, Progress, cumulative, forecast, required_pace
from app.production.rules import WorkCalendar
from app.projects.models import Project


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
