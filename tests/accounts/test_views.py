"""Browser sign-in over HTTP: passwords, lockout, TOTP once per code, recovery codes, CSRF, expiry, roles."""

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Role, User, WebSession
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.projects.models import Project
from tests.factories import PASSWORD, make_project, make_user, page_jpeg, signed_in_station, upload

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _login(client: TestClient, username: str, password: str = PASSWORD):
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(form.text), "next": "/today"},
        follow_redirects=False,
    )


def _user(session: Session, username: str, role: Role, secret: str | None = None) -> User:
    project = session.exec(select(Project)).first() or make_project(session)
    user = make_user(session, project, username=username, role=role)
    user.totp_secret = secret
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The app client with no cookies left from an earlier test."""
    client.cookies.clear()
    return client


def test_operator_signs_in_with_password_only_and_sees_own_row(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session, username="op1")
    _user(session, "op2", Role.operator)
    upload(web, auth, page_jpeg(1), page=1)
    r = _login(web, "op1")
    assert r.status_code == 303 and r.headers["location"] == "/today"
    today = web.get("/today")
    assert today.status_code == 200 and "今日" in today.text
    assert today.text.count('data-operator="') == 1  # an operator sees only their own line
    assert 'class="num good">1<' in today.text


def test_manager_needs_totp_and_a_code_works_only_once(web: TestClient, session: Session) -> None:
    _user(session, "boss", Role.vendor_manager, SECRET)
    r = _login(web, "boss")
    assert r.headers["location"].startswith("/login/second-factor")
    assert web.get("/today", follow_redirects=False).headers["location"].startswith("/login/second-factor")
    page = web.get("/login/second-factor")
    code = totp.code_at(SECRET, totp.step_of(time.time()))
    ok = web.post(
        "/login/second-factor",
        data={"code": code, "csrf_token": _csrf(page.text), "next": "/today"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/today"
    assert web.get("/today").status_code == 200
    # the same code again, in a new sign-in, is refused
    web.cookies.clear()
    _login(web, "boss")
    page = web.get("/login/second-factor")
    again = web.post(
        "/login/second-factor", data={"code": code, "csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert again.status_code == 401
    assert web.get("/today", follow_redirects=False).status_code == 303


def test_enrolment_gives_recovery_codes_that_work_once(web: TestClient, session: Session) -> None:
    _user(session, "fin", Role.finance)
    r = _login(web, "fin")
    assert r.headers["location"].startswith("/account/second-factor/setup")
    setup = web.get("/account/second-factor/setup")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text).group(1)
    done = web.post(
        "/account/second-factor/setup",
        data={
            "secret": secret,
            "code": totp.code_at(secret, totp.step_of(time.time())),
            "csrf_token": _csrf(setup.text),
        },
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.text)
    assert len(codes) == 10
    for attempt, expected in ((codes[0], 303), (codes[0], 401)):
        web.cookies.clear()
        _login(web, "fin")
        page = web.get("/login/second-factor")
        r = web.post(
            "/login/second-factor", data={"code": attempt, "csrf_token": _csrf(page.text)}, follow_redirects=False
        )
        assert r.status_code == expected


def test_lockout_after_repeated_failures(web: TestClient, session: Session, db: Engine) -> None:
    _user(session, "op9", Role.operator)
    for _ in range(5):
        assert _login(web, "op9", "wrong-password-123").status_code == 401
    locked = _login(web, "op9")  # the right password, but the account is locked now
    assert locked.status_code == 401  # the same answer as a wrong password (no user-name oracle, issue 21)
    with Session(db) as s:
        user = s.exec(select(User).where(User.username == "op9")).one()
        assert user.locked_until is not None and user.locked_until > utcnow()
        failures = s.exec(
            select(AuditEvent).where(AuditEvent.action == "signin", AuditEvent.outcome == "failure")
        ).all()
        assert len(failures) == 5
        assert s.exec(select(AuditEvent).where(AuditEvent.outcome == "locked")).one().detail["reason"] == "locked"


def test_forms_without_csrf_token_are_403(web: TestClient, session: Session) -> None:
    _user(session, "op3", Role.operator)
    r = web.post("/login", data={"username": "op3", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "csrf_failed" in r.text
    assert _login(web, "op3").status_code == 303
    r = web.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert web.get("/today").status_code == 200  # still signed in: the forged logout did nothing


def test_sign_out_is_audited_with_its_address(web: TestClient, session: Session, db: Engine) -> None:
    _user(session, "op5", Role.operator)
    assert _login(web, "op5").status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/today").text).group(1)
    assert web.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with Session(db) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "signout")).one()
    assert event.source_ip == "testclient"


def test_idle_session_expires(web: TestClient, session: Session, db: Engine) -> None:
    _user(session, "op4", Role.operator)
    _login(web, "op4")
    assert web.get("/today").status_code == 200
    with Session(db) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        s.commit()
    r = web.get("/today", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_station_token_is_refused_on_browser_routes(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    web.cookies.set("folio_session", auth.station_token)
    r = web.get("/today", headers=auth.headers, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_role_without_production_rights_gets_403(web: TestClient, session: Session) -> None:
    _user(session, "audit1", Role.audit_admin, SECRET)
    _login(web, "audit1")
    page = web.get("/login/second-factor")
    web.post(
        "/login/second-factor",
        data={"code": totp.code_at(SECRET, totp.step_of(time.time())), "csrf_token": _csrf(page.text)},
    )
    r = web.get("/today")
    assert r.status_code == 403 and "无权访问" in r.text


def test_pages_carry_security_headers_and_english_on_request(web: TestClient) -> None:
    r = web.get("/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "登录" in r.text and 'lang="zh-CN"' in r.text
    web.get("/lang/en", follow_redirects=False)
    assert "Sign in to Folio" in web.get("/login").text
    web.cookies.clear()


def test_password_change_reauthenticates_and_ends_other_sessions(web: TestClient, session: Session, db: Engine) -> None:
    _user(session, "op7", Role.operator)
    other = TestClient(web.app)
    _login(other, "op7")
    assert other.get("/today").status_code == 200
    _login(web, "op7")
    csrf = _csrf(web.get("/account").text)
    wrong = web.post(
        "/account/password",
        data={
            "current": "not-my-password",
            "new": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
            "csrf_token": csrf,
        },
    )
    assert wrong.status_code == 422 and 'id="pe-current"' in wrong.text
    weak = web.post(
        "/account/password",
        data={"current": PASSWORD, "new": "1234567890", "confirm": "1234567890", "csrf_token": csrf},
    )
    assert weak.status_code == 422 and 'id="pe-new"' in weak.text
    ok = web.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a-brand-new-secret", "confirm": "a-brand-new-secret", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert web.get("/today").status_code == 200  # this session goes on
    assert other.get("/today", follow_redirects=False).status_code == 303  # the other one ended
    web.cookies.clear()
    assert _login(web, "op7", "a-brand-new-secret").status_code == 303


def test_replacing_the_second_factor_asks_the_password(web: TestClient, session: Session) -> None:
    _user(session, "mgr2", Role.vendor_manager, SECRET)
    _login(web, "mgr2")
    page = web.get("/login/second-factor")
    web.post(
        "/login/second-factor",
        data={"code": totp.code_at(SECRET, totp.step_of(time.time())), "csrf_token": _csrf(page.text)},
    )
    setup = web.get("/account/second-factor/setup")
    assert 'name="password"' in setup.text
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text).group(1)
    code = totp.code_at(secret, totp.step_of(time.time()))
    refused = web.post(
        "/account/second-factor/setup",
        data={"secret": secret, "code": code, "password": "nope-nope-1", "csrf_token": _csrf(setup.text)},
    )
    assert refused.status_code == 401
    ok = web.post(
        "/account/second-factor/setup",
        data={"secret": secret, "code": code, "password": PASSWORD, "csrf_token": _csrf(setup.text)},
    )
    assert ok.status_code == 200 and "恢复码" in ok.text
    web.cookies.clear()
