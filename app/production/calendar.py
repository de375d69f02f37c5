"""A project's working-day calendar: the official one plus the overrides the project entered."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.core.errors import NotFound
from app.core.workdays import PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR, covered_years
from app.production.models import WorkdayOverride
from app.production.rules import WorkCalendar
from app.projects.models import Project


def overrides_of(session: Session, project_id: int) -> dict[date, bool]:
    """The project's overrides: day -> working (True) or day off (False)."""
    rows = session.exec(
        select(WorkdayOverride.calendar_date, WorkdayOverride.is_working_day).where(
            WorkdayOverride.project_id == project_id
        )
    ).all()
    return {day: bool(working) for day, working in rows}


def calendar_for(session: Session, project: Project, *, assume_uncovered: bool = True) -> WorkCalendar:
    """The project's working-day calendar (official data + overrides)."""
    return WorkCalendar(overrides_of(session, project.id), assume_uncovered=assume_uncovered)


def list_overrides(session: Session, project_id: int) -> list[WorkdayOverride]:
    """The project's overrides, by date."""
    return list(
        session.exec(
            select(WorkdayOverride)
            .where(WorkdayOverride.project_id == project_id)
            .order_by(col(WorkdayOverride.calendar_date))
        )
    )


@dataclass(frozen=True)
class Coverage:
    """Which of the project's years the calendar knows, and which it would only assume."""

    package_first: int
    package_last: int
    project_years: tuple[int, ...]
    missing_years: tuple[int, ...]


def coverage(project: Project, overrides: dict[date, bool]) -> Coverage:
    """The project's contract years that neither the official data nor the overrides cover."""
    years = tuple(range(project.start_date.year, project.end_date.year + 1))
    known = covered_years(overrides)
    return Coverage(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR, years, tuple(y for y in years if y not in known))


def set_override(
    session: Session, project: Project, *, day: date, working: bool, note: str, actor: dict
) -> WorkdayOverride:
    """Enter (or change) the project's word on one day; audited."""
    row = session.exec(
        select(WorkdayOverride).where(WorkdayOverride.project_id == project.id, WorkdayOverride.calendar_date == day)
    ).first()
    before = None if row is None else row.is_working_day
    if row is None:
        row = WorkdayOverride(project_id=project.id, calendar_date=day, is_working_day=working)
    row.is_working_day, row.note, row.created_by_id = working, note.strip()[:200], actor.get("actor_user_id")
    session.add(row)
    session.flush()
    record_event(
        session,
        "calendar.override_set",
        project_id=project.id,
        object_type="workday_override",
        object_id=day.isoformat(),
        detail={"working": working, "before": before, "note": row.note},
        **actor,
    )
    return row


def delete_override(session: Session, project: Project, *, override_id: int, actor: dict) -> date:
    """Remove one override (the official calendar applies again to that day); audited."""
    row = session.get(WorkdayOverride, override_id)
    if row is None or row.project_id != project.id:
        raise NotFound(f"calendar override {override_id} does not exist", code="override_not_found")
    day = row.calendar_date
    session.delete(row)
    session.flush()
    record_event(
        session,
        "calendar.override_delete",
        project_id=project.id,
        object_type="workday_override",
        object_id=day.isoformat(),
        detail={"working": row.is_working_day, "note": row.note},
        **actor,
    )
    return day
