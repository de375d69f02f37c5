"""Creating and reading projects."""

from datetime import date

from sqlmodel import Session, select

from app.audit.service import record_event
from app.core.errors import Conflict, NotFound
from app.projects.models import Project


def add_years(day: date, years: int) -> date:
    """The same calendar day some years later (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def create_project(
    session: Session, *, code: str, name: str, start_date: date, years: int = 3, **terms: object
) -> Project:
    """A project with the contract's default terms unless others are given."""
    if session.exec(select(Project).where(Project.code == code)).first():
        raise Conflict(f"a project with code {code!r} exists already", code="project_exists")
    project = Project(code=code, name=name, start_date=start_date, end_date=add_years(start_date, years), **terms)
    session.add(project)
    session.flush()
    record_event(session, "project.create", project_id=project.id, object_type="project", object_id=project.id)
    return project


def get_project(session: Session, project_id: int) -> Project:
    """The project, or a 404 error."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist", code="project_not_found")
    return project


def project_by_code(session: Session, code: str) -> Project:
    """The project with this code, or a 404 error."""
    project = session.exec(select(Project).where(Project.code == code)).first()
    if project is None:
        raise NotFound(f"no project with code {code!r}", code="project_not_found")
    return project
