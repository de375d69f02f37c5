"""Fixtures of the records and front-page tests."""

import pytest
from sqlmodel import Session

from app.accounts.models import Role
from tests.factories import make_project, make_user


@pytest.fixture
def ctx(session: Session):  # noqa: ANN201
    """A project and its vendor manager, committed: (project, user)."""
    project = make_project(session)
    user = make_user(session, project, "mgr", Role.vendor_manager)
    session.commit()
    return project, user
