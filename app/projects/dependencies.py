"""The project a browser user works in."""

from typing import Annotated

from fastapi import Depends
from sqlmodel import col, select

from app.accounts.dependencies import CurrentUser
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.projects.models import Project


def current_project(principal: CurrentUser, session: SessionDep) -> Project:
    """The user's project; a system-wide user (no project) works in the first active one."""
    if principal.project_id is not None:
        project = session.get(Project, principal.project_id)
    else:
        project = session.exec(select(Project).where(col(Project.active).is_(True)).order_by(col(Project.id))).first()
    if project is None:
        raise NotFound("there is no project yet: create one with 'folio project create'", code="project_not_found")
    return project


CurrentProject = Annotated[Project, Depends(current_project)]
