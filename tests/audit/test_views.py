"""The audit screen: only the audit administrator sees it (not the system administrator); export is audited."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from tests.factories import browser_sign_in, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _sign_in(client: TestClient, username: str) -> str:
    return browser_sign_in(client, username, totp_secret=SECRET)


def test_audit_admin_filters_and_exports_sysadmin_cannot(client: TestClient, session: Session, db: Engine) -> None:
    project = make_project(session)
    for name, role in (("auditor", Role.audit_admin), ("root", Role.sysadmin)):
        u = make_user(session, project, username=name, role=role)
        u.totp_secret = SECRET
        session.add(u)
    session.commit()
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": "root", "password": "wrong-password-9", "csrf_token": csrf})

    _sign_in(client, "root")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403

    _sign_in(client, "auditor")
    page = client.get("/audit", params={"action": "signin", "outcome": "failure"})
    assert page.status_code == 200
    assert page.text.count('title="signin">登录<') == 1  # the one failed sign-in of root, named in words
    export = client.get("/audit.csv")
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    with Session(db) as s:
        total = len(s.exec(select(AuditEvent).where(AuditEvent.action != "audit.export")).all())
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).one().detail["rows"] == total
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == total + 1 and lines[0].startswith("id,at_utc,at_local")
    client.cookies.clear()
