"""The project a browser user works in."""

from typing import Annotated

from fastapi import Depends
from sqlmodel import col, select

from app.accounts.dependencies import CurrentUser
from app.accounts.models import User
from app.accounts.permissions import MATRIX, Perm
from app.core.db import DbId, SessionDep
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


def project_operator(user_id: DbId, project: CurrentProject, session: SessionDep) -> User:
    """A user who captures in the caller's project (a member of it, or a system-wide operator); else 404.

    Another project's user, an unknown id and a non-capturing system-wide account all answer the same 404,
    so the page tells nothing about who exists elsewhere.
    """
    user = session.get(User, user_id)
    capturing = MATRIX[Perm.capture]
    if user is None or not (user.project_id == project.id or (user.project_id is None and user.role in capturing)):
        raise NotFound(f"operator {user_id} not found", code="operator_not_found")
    return user


ProjectOperator = Annotated[User, Depends(project_operator)]


def project_user(user_id: DbId, project: CurrentProject, session: SessionDep) -> User:
    """A user of the caller's project, or a system-wide one (as the Users page lists them); else 404."""
    user = session.get(User, user_id)
    if user is None or user.project_id not in (None, project.id):
        raise NotFound(f"user {user_id} not found", code="user_not_found")
    return user


ProjectUser = Annotated[User, Depends(project_user)]
