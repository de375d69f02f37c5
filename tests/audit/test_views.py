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
    assert len(lines) == total + 1 and lines[0].startswith("事件,时间（UTC）,时间（北京）")
    assert ",signin,登录," in export.content.decode("utf-8-sig")  # the code for machines, the words for people
    assert 'title="web_session">浏览器登录' in client.get("/audit").text  # objects in words, not table names
    client.get("/lang/en")
    english = client.get("/audit.csv").content.decode("utf-8-sig")
    assert english.startswith("Event,Time (UTC),Time (Beijing),Project,User,Role") and "browser sign-in" in english
    client.cookies.clear()


def test_an_audit_admin_sees_only_his_own_projects_events(client: TestClient, session: Session, db: Engine) -> None:
    a, b = make_project(session, code="PA"), make_project(session, code="PB")
    auditor = make_user(session, a, username="auditor_a", role=Role.audit_admin)
    auditor.totp_secret = SECRET
    session.add(auditor)
    make_user(session, a, username="op_a")
    op_b = make_user(session, b, username="op_b")
    session.commit()
    client.cookies.clear()
    for name in ("op_b", "op_a"):  # a failed sign-in of each: recorded without a project, with its actor
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": name, "password": "wrong-password-9", "csrf_token": csrf})

    _sign_in(client, "auditor_a")
    with Session(db) as s:
        b_events = {e.id for e in s.exec(select(AuditEvent)) if e.project_id == b.id or e.actor_user_id == op_b.id}
    assert b_events  # project PB's creation, op_b's account, op_b's failed sign-in
    page = client.get("/audit")
    shown = _ids_in_table(page.text)
    assert shown and not shown & b_events
    export = client.get("/audit.csv")
    rows = [line.split(",")[0] for line in export.content.decode("utf-8-sig").strip().splitlines()[1:]]
    assert rows and not {int(r) for r in rows} & b_events
    assert "op_b" not in export.text
    assert client.get("/audit", params={"user": "op_b"}).text.count('<td title="signin">') == 0  # not even by name
    page = client.get("/audit", params={"user": "op_a", "outcome": "failure"}).text
    assert page.count('<td title="signin">') == 1  # the action, shown in the reader's words
    client.cookies.clear()


def _ids_in_table(html: str) -> set[int]:
    return {int(i) for i in re.findall(r"<td[^>]*>\s*(\d+)\s*</td>", html)}


def test_a_damaged_row_is_shown_and_exported_not_a_500(client: TestClient, session: Session, db: Engine) -> None:
    """A row altered by hand in the database file (detail not JSON, time not a time, bytes not UTF-8) must not
    take the audit screen down: the auditor is the one who has to see it. `folio audit verify` names it."""
    project = make_project(session)
    u = make_user(session, project, username="auditor", role=Role.audit_admin)
    u.totp_secret = SECRET
    session.add(u)
    session.commit()
    _sign_in(client, "auditor")
    ids = sorted(s for s in session.exec(select(AuditEvent.id)))
    assert len(ids) >= 1
    session.close()
    with db.begin() as conn:
        if db.dialect.name == "sqlite":  # PostgreSQL's json and timestamp types refuse such values when written
            conn.exec_driver_sql(f"UPDATE audit_event SET detail = '{{not json' WHERE id = {ids[-1]}")
            conn.exec_driver_sql(f"UPDATE audit_event SET at = 'yesterday' WHERE id = {ids[0]}")
            conn.exec_driver_sql(f"UPDATE audit_event SET actor_role = CAST(X'6F70FF' AS TEXT) WHERE id = {ids[0]}")
        else:
            conn.exec_driver_sql(f"UPDATE audit_event SET object_id = 'edited' WHERE id = {ids[-1]}")
    page = client.get("/audit")
    assert page.status_code == 200, page.text
    assert f"<td>{ids[-1]}</td>" in page.text and f"<td>{ids[0]}</td>" in page.text
    export = client.get("/audit.csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    if db.dialect.name == "sqlite":
        assert "{not json" in text and "\ufffd" not in text.splitlines()[0]
    client.cookies.clear()
