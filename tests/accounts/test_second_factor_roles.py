"""Every role that can approve a sensitive operation signs in with a second factor (the custodian too)."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.approvals import APPROVERS
from app.accounts.models import Role
from app.accounts.permissions import MATRIX, MFA_REQUIRED, Perm
from tests.factories import PASSWORD, make_project, make_user


def test_every_approver_needs_a_second_factor() -> None:
    approvers = set(MATRIX[Perm.approvals]) | {role for roles in APPROVERS.values() for role in roles}
    assert Role.custodian in approvers
    assert approvers <= MFA_REQUIRED, f"approvers without a second factor: {approvers - MFA_REQUIRED}"


def test_a_custodian_with_only_a_password_reaches_no_approval(client: TestClient, session: Session) -> None:
    project = make_project(session)
    make_user(session, project, "cust", Role.custodian)
    session.commit()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login", data={"username": "cust", "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    # Not enrolled yet: the custodian must set a second factor up before anything else.
    assert r.headers["location"].startswith("/account/second-factor/setup")
    approvals = client.get("/approvals", follow_redirects=False)
    assert approvals.status_code == 303 and approvals.headers["location"].startswith("/login/second-factor")
