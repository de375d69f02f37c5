"""One sign-in policy at every door: browser, station API, second factor, re-authentication (issue 21, items 2-4)."""

import re
import time

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Role, User, WebSession
from app.accounts.service import create_station
from app.core.security import token_hash
from tests.factories import PASSWORD, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
WRONG = "not-the-password-1"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _browser(client: TestClient, username: str, password: str):  # noqa: ANN202
    client.cookies.clear()
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )


def _station(client: TestClient, token: str, username: str, password: str):  # noqa: ANN202
    return client.post(
        "/api/v1/station/sessions",
        json={"username": username, "password": password},
        headers={"Authorization": f"Bearer {token}"},
    )


def _setup(session: Session) -> str:
    project = make_project(session)
    make_user(session, project, username="op1")
    reviewer = make_user(session, project, username="rev1", role=Role.reviewer)
    reviewer.totp_secret = SECRET
    session.add(reviewer)
    _, token = create_station(session, project_id=project.id, name="s")
    session.commit()
    return token


def test_station_sign_in_locks_the_account_like_the_browser(client: TestClient, session: Session) -> None:
    token = _setup(session)
    answers = [_station(client, token, "op1", WRONG) for _ in range(6)]
    assert {(r.status_code, r.json()["error"]) for r in answers} == {(401, "bad_credentials")}
    locked = _station(client, token, "op1", PASSWORD)  # the right password, now refused: the account is locked
    assert (locked.status_code, locked.json()) == (401, answers[0].json())
    assert _browser(client, "op1", PASSWORD).status_code == 401  # the same lock at every door
    assert session.exec(select(User).where(User.username == "op1")).one().locked_until is not None
    session.rollback()


def test_station_is_no_password_oracle_for_users_who_may_not_capture(client: TestClient, session: Session) -> None:
    token = _setup(session)
    wrong = _station(client, token, "rev1", WRONG)
    right = _station(client, token, "rev1", PASSWORD)
    unknown = _station(client, token, "nobody_here", WRONG)
    assert wrong.status_code == right.status_code == unknown.status_code == 401
    assert wrong.json() == right.json() == unknown.json()
    assert session.exec(select(User).where(User.username == "rev1")).one().failed_logins == 2  # both counted


def test_a_locked_account_answers_like_an_unknown_user(client: TestClient, session: Session) -> None:
    token = _setup(session)
    for _ in range(5):
        _browser(client, "op1", WRONG)
    existing, unknown = _browser(client, "op1", WRONG), _browser(client, "no_such_user", WRONG)
    assert existing.status_code == unknown.status_code == 401
    strip = lambda html: re.sub(r'value="[^"]*"', "", html).replace("op1", "X").replace("no_such_user", "X")  # noqa: E731
    assert strip(existing.text) == strip(unknown.text)
    at_station = _station(client, token, "op1", PASSWORD), _station(client, token, "no_such_user", WRONG)
    assert at_station[0].json() == at_station[1].json() and at_station[0].status_code == 401


def test_the_address_throttle_counts_every_door(client: TestClient, session: Session) -> None:
    token = _setup(session)
    for n in range(20):  # 20 failures from one address, over many names, at the station
        r = _station(client, token, f"guess{n}", WRONG)
        assert r.status_code == 401
    assert _station(client, token, "op1", PASSWORD).status_code == 429
    assert _browser(client, "op1", PASSWORD).status_code == 429
    forged = client.post(  # a forwarded address from an untrusted peer does not reset it
        "/api/v1/station/sessions",
        json={"username": "op1", "password": PASSWORD},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.7"},
    )
    assert forged.status_code == 429


def _half_signed_in(client: TestClient, session: Session, username: str = "rev1") -> str:
    session.execute(update(User).where(User.username == username).values(totp_last_step=None))
    session.commit()
    r = _browser(client, username, PASSWORD)
    assert r.status_code == 303 and "/login/second-factor" in r.headers["location"], r.text
    return _csrf(client.get("/login/second-factor").text)


def _code(client: TestClient, csrf: str, code: str):  # noqa: ANN202
    return client.post("/login/second-factor", data={"code": code, "csrf_token": csrf}, follow_redirects=False)


def test_second_factor_attempts_are_limited_per_session_and_per_account(client: TestClient, session: Session) -> None:
    _setup(session)
    right = lambda: totp.code_at(SECRET, totp.step_of(time.time()))  # noqa: E731
    csrf = _half_signed_in(client, session)
    assert [_code(client, csrf, "000000").status_code for _ in range(2)] == [401, 401]
    third = _code(client, csrf, "000000")  # the third wrong code ends the half-signed-in session
    assert third.status_code in (303, 401) and "/login" in third.headers.get("location", "/login")
    after = _code(client, csrf, right())  # ... so even the right code does not sign it in now
    assert after.status_code in (303, 401) and after.headers.get("location", "/login").startswith("/login")
    assert "folio_session" not in client.cookies or client.get("/account", follow_redirects=False).status_code != 200

    csrf = _half_signed_in(client, session)  # signing in again with the password buys only what is left
    assert _code(client, csrf, "000000").status_code == 401
    _code(client, csrf, "000000")  # the fifth failure of the account: locked
    user = session.exec(select(User).where(User.username == "rev1")).one()
    session.refresh(user)
    assert user.locked_until is not None
    session.rollback()
    assert _browser(client, "rev1", PASSWORD).status_code == 401  # locked: the right password is refused


def test_the_session_id_is_replaced_after_the_second_factor(client: TestClient, session: Session) -> None:
    _setup(session)
    csrf = _half_signed_in(client, session)
    before = client.cookies.get("folio_session")
    r = _code(client, csrf, totp.code_at(SECRET, totp.step_of(time.time())))
    assert r.status_code == 303
    after = client.cookies.get("folio_session")
    assert after and after != before
    assert client.get("/account", follow_redirects=False).status_code == 200
    old = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(before))).one()
    assert old.ended_at is not None  # the half-signed-in session cannot be used any more
    session.rollback()  # end the read: the test's session must not hold SQLite's write lock
    client.cookies.clear()
    client.cookies.set("folio_session", before)
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.cookies.clear()


def test_reauthentication_failures_count_and_lock(client: TestClient, session: Session) -> None:
    _setup(session)
    r = _browser(client, "op1", PASSWORD)
    assert r.status_code == 303
    csrf = _csrf(client.get("/account").text)
    for _ in range(5):
        client.post(
            "/account/password",
            data={"current": WRONG, "new": "another-long-secret", "confirm": "another-long-secret", "csrf_token": csrf},
        )
    user = session.exec(select(User).where(User.username == "op1")).one()
    session.refresh(user)
    assert user.locked_until is not None
    session.rollback()
    assert client.get("/account", follow_redirects=False).status_code == 303  # signed out at the lock
    assert _browser(client, "op1", PASSWORD).status_code == 401
