"""Administration and four eyes: users, stations, and approvals that nobody can give themselves."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts.models import Approval, Role, User, WebSession
from app.audit.models import AuditEvent
from app.projects.models import Project
from tests.factories import browser_sign_in, make_project, make_user, page_jpeg, signed_in_station, upload

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(client: TestClient, username: str, mfa: bool = True) -> str:
    return browser_sign_in(client, username, totp_secret=SECRET if mfa else None)


def _people(session: Session) -> dict[str, User]:
    project = make_project(session)
    people = {}
    for name, role in (
        ("admin1", Role.sysadmin),
        ("admin2", Role.sysadmin),
        ("op", Role.operator),
        ("keeper", Role.custodian),
    ):
        user = make_user(session, project, username=name, role=role)
        user.totp_secret = SECRET if role in (Role.sysadmin, Role.custodian) else None  # approvers sign in with MFA
        session.add(user)
        people[name] = user
    session.commit()
    return people


def test_role_change_needs_another_person(client: TestClient, session: Session, db: Engine) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    r = client.post(
        f"/admin/users/{people['op'].id}/role",
        data={"role": "vendor_qc", "reason": "promotion", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(db) as s:
        approval = s.exec(select(Approval)).one()
        assert (approval.kind, approval.status) == ("role_change", "pending")
        assert s.get(User, people["op"].id).role == "operator"  # nothing happened yet
    own = client.post(f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": csrf})
    assert own.status_code == 403 and "任何人都不能审批自己的申请" in own.text
    csrf2 = _sign_in(client, "admin2")
    ok = client.post(
        f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": csrf2}, follow_redirects=False
    )
    assert ok.status_code == 303
    with Session(db) as s:
        assert s.get(User, people["op"].id).role == "vendor_qc"
        assert s.get(Approval, approval.id).status == "used"
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
        denied = s.exec(
            select(AuditEvent).where(AuditEvent.action == "approval.decide", AuditEvent.outcome == "denied")
        ).all()
    assert {"approval.request", "approval.decide", "user.role_change"} <= set(actions) and len(denied) == 1
    with Session(db) as s:  # browser actions name the address they came from
        for action in ("approval.request", "approval.decide"):
            events = s.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
            assert events and all(e.source_ip for e in events), action
    again = client.post(f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": csrf2})
    assert again.status_code == 409


def test_wrong_side_cannot_approve(client: TestClient, session: Session, db: Engine) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    client.post(f"/admin/users/{people['op'].id}/role", data={"role": "reviewer", "csrf_token": csrf})
    with Session(db) as s:
        approval_id = s.exec(select(Approval.id)).one()
    csrf = _sign_in(client, "admin2")  # another system administrator: not the hospital
    r = client.post(f"/approvals/{approval_id}", data={"decision": "approve", "csrf_token": csrf})
    assert r.status_code == 403  # the error page explains it in the reader's language
    with Session(db) as s:
        assert s.get(User, people["op"].id).role == "operator"
    csrf = _sign_in(client, "keeper")  # the hospital's records custodian (second factor: every approver)
    r = client.post(
        f"/approvals/{approval_id}", data={"decision": "approve", "csrf_token": csrf}, follow_redirects=False
    )
    # a vendor account becoming a hospital one is enrolled again: the link goes to the custodian who vouches
    assert r.status_code == 200 and 'id="enrolment-link"' in r.text and "/enrol/fen_" in r.text
    with Session(db) as s:
        op = s.get(User, people["op"].id)
        assert (op.role, op.role_grant, op.role_granted_by) == ("reviewer", "approved", people["keeper"].id)
        assert op.enrolment_pending and op.totp_secret is None


def test_disabling_a_user_ends_their_sessions(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session, username="op_s")
    admin = make_user(session, session.get(Project, auth.project_id), username="boss_admin", role=Role.sysadmin)
    admin.totp_secret = SECRET
    session.add(admin)
    session.commit()
    assert upload(client, auth, page_jpeg(1)).status_code == 201
    csrf = _sign_in(client, "boss_admin")
    r = client.post(
        f"/admin/users/{auth.user_id}/active", data={"active": "false", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    refused = upload(client, auth, page_jpeg(2), page=2)
    assert refused.status_code == 401 and refused.json()["error"] == "operator_session_expired"


def test_the_vendors_administration_cannot_disable_a_hospital_account(
    client: TestClient, session: Session, db: Engine
) -> None:
    """A break-it review disabled the hospital's custodian, audit administrator and reviewer from /admin/users."""
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    r = client.post(f"/admin/users/{people['keeper'].id}/active", data={"active": "false", "csrf_token": csrf})
    assert r.status_code == 403
    with Session(db) as s:
        assert s.get(User, people["keeper"].id).active is True


def test_station_added_in_browser_shows_token_once_and_revoking_stops_uploads(
    client: TestClient, session: Session, db: Engine
) -> None:
    auth = signed_in_station(client, session, username="op_r")
    admin = make_user(session, session.get(Project, auth.project_id), username="adm", role=Role.sysadmin)
    admin.totp_secret = SECRET
    session.add(admin)
    session.commit()
    csrf = _sign_in(client, "adm")
    page = client.post("/admin/stations", data={"name": "工位 09", "csrf_token": csrf})
    assert page.status_code == 200 and re.search(r'id="new-token">fst_[\w-]{20,}<', page.text)
    assert "fst_" not in client.get("/admin/stations").text  # shown once only
    r = client.post(f"/admin/stations/{auth.station_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    refused = upload(client, auth, page_jpeg(3))
    assert refused.status_code == 401 and refused.json()["error"] == "bad_station_token"
    with Session(db) as s:
        assert s.exec(select(WebSession)).first() is not None


def test_add_user_shows_errors_next_to_the_field(client: TestClient, session: Session) -> None:
    _people(session)
    csrf = _sign_in(client, "admin1")
    form = client.get("/admin/users").text
    assert 'name="password"' not in form  # the administrator never chooses a new account's password
    taken = client.post(
        "/admin/users",
        data={"username": "op", "display_name": "N", "role": "operator", "csrf_token": csrf},
    )
    assert taken.status_code == 409 and 'id="e-username"' in taken.text
    bad = client.post(
        "/admin/users",
        data={"username": "a b", "display_name": "N", "role": "operator", "csrf_token": csrf},
    )
    assert bad.status_code == 422 and 'id="e-username"' in bad.text
    ok = client.post(
        "/admin/users",
        data={"username": "newbie", "display_name": "新人", "role": "operator", "csrf_token": csrf},
        follow_redirects=False,
    )
    # a vendor-side account: its link is shown once, to the administrator who hands it over
    assert ok.status_code == 200 and re.search(r'id="enrolment-link"[^>]*>http://[^<]+/enrol/fen_[\w-]{40,}<', ok.text)


def test_approvals_page_lists_requests_in_both_languages(client: TestClient, session: Session) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    client.post(f"/admin/users/{people['op'].id}/role", data={"role": "vendor_qc", "csrf_token": csrf})
    mine = client.get("/approvals")
    assert mine.status_code == 200 and "角色变更" in mine.text and "待审批" in mine.text
    _sign_in(client, "admin2")
    client.get("/lang/en")
    theirs = client.get("/approvals")
    assert "Role change" in theirs.text and "Approve" in theirs.text
    client.cookies.clear()
