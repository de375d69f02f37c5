"""One-time enrolment links over HTTP: the administrator never knows a new account's password, a hospital
account's link goes to the hospital approver, and a used, expired, void or garbage link changes nothing."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Approval, EnrolmentLink, RecoveryCode, User
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from tests.accounts.test_duties import ROOT, _can_sign_in, _people, _sign_in
from tests.factories import PASSWORD, browser_sign_in

OWNER_PASSWORD = "owner-chose-this-one"
LINK = re.compile(r'id="enrolment-link"[^>]*>http://[^<]+/enrol/(fen_[\w-]{40,})<')


def _user(db: Engine, username: str) -> User:
    with Session(db) as s:
        return s.exec(select(User).where(User.username == username)).one()


def _secret(html: str) -> str:
    return re.search(r'name="secret" value="([A-Z2-7]{32})"', html).group(1)


def _enrol(client: TestClient, token: str, **form: str):  # noqa: ANN202
    client.cookies.clear()
    return client.post(f"/enrol/{token}", data=form, follow_redirects=False)


def _events(db: Engine, action: str) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_hospital_reviewer_is_enrolled_by_its_owner_through_the_approvers_link(
    client: TestClient, session: Session, db: Engine
) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    assert 'name="password"' not in client.get("/admin/users").text  # no password field at all
    r = client.post(
        "/admin/users", data={"username": "rev_new", "display_name": "孙审核", "role": "reviewer", "csrf_token": csrf}
    )
    assert r.status_code == 200 and "/enrol/" not in r.text  # the vendor's admin sees no link
    new = _user(db, "rev_new")
    assert (new.enrolment_pending, new.active, new.role_grant) == (True, False, "pending")
    refused = client.post(f"/enrolment-links/{new.id}", data={"csrf_token": csrf})  # nor can he ask for one
    assert refused.status_code == 403 and "fen_" not in refused.text and "只能由医院的病案管理员" in refused.text
    with Session(db) as s:
        assert s.exec(select(EnrolmentLink)).all() == []
        approval_id = s.exec(select(Approval.id)).one()

    # the hospital's custodian approves: the link is shown to her, the person who vouches for the owner
    csrf_keeper = _sign_in(client, "keeper")
    page = client.post(f"/approvals/{approval_id}", data={"decision": "approve", "csrf_token": csrf_keeper})
    assert page.status_code == 200 and "rev_new" in page.text
    token = LINK.search(page.text).group(1)
    [denied, issued] = _events(db, "enrolment.issue")
    assert denied.outcome == "denied" and denied.actor_user_id == people["admin1"].id
    assert issued.actor_user_id == people["keeper"].id and issued.detail["why"] == "approved"

    # the vendor's admin: active account, but no password he knows, and no link anywhere on his pages
    _sign_in(client, "admin1")
    assert token not in client.get("/admin/users").text and token not in client.get("/approvals").text
    for guess in (PASSWORD, OWNER_PASSWORD, "rev_new", ""):
        assert not _can_sign_in(client, "rev_new", guess)
    client.cookies.clear()
    login = client.get("/login")
    csrf_login = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    r = client.post("/login", data={"username": "rev_new", "password": PASSWORD, "csrf_token": csrf_login})
    assert r.status_code == 401 and 'id="login-enrol-hint"' in r.text and "开通链接" in r.text
    with Session(db) as s:
        refusal = s.exec(select(AuditEvent).where(AuditEvent.action == "signin").order_by(AuditEvent.id.desc())).first()
    assert refusal.detail["reason"] == "not_enrolled"

    # the owner: password and second factor on the same visit; a mistake changes nothing
    client.cookies.clear()
    form = client.get(f"/enrol/{token}")
    assert form.status_code == 200 and "rev_new" in form.text and 'name="code"' in form.text
    secret = _secret(form.text)
    code = totp.code_at(secret, totp.step_of(time.time()))
    before = _user(db, "rev_new").password_hash
    for bad, field in (
        ({"password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD + "x", "code": code}, "e-confirm"),
        ({"password": "password123", "confirm": "password123", "code": code}, "e-password"),
        ({"password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD, "code": "000000"}, "e-code"),
        ({"password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD, "code": code, "secret": "not-base32!"}, "e-code"),
    ):
        r = _enrol(client, token, **{"secret": secret, **bad})
        assert r.status_code == 422 and f'id="{field}"' in r.text, (bad, r.text[-800:])
    after = _user(db, "rev_new")
    assert (after.password_hash, after.enrolment_pending, after.totp_secret) == (before, True, None)

    wide = " ".join(chr(ord(c) + 0xFEE0) for c in code)  # full-width digits from a Chinese input method, spaced
    done = _enrol(client, token, password=OWNER_PASSWORD, confirm=OWNER_PASSWORD, secret=secret, code=wide)
    assert done.status_code == 200 and len(re.findall(r"<li><code>[0-9a-f]{6}-[0-9a-f]{6}</code>", done.text)) == 10
    owner = _user(db, "rev_new")
    assert (owner.enrolment_pending, owner.totp_secret) == (False, secret)
    with Session(db) as s:
        assert len(s.exec(select(RecoveryCode).where(RecoveryCode.user_id == owner.id)).all()) == 10
        s.execute(update(User).where(User.id == owner.id).values(totp_last_step=None))  # as 30 s later
        s.commit()
    browser_sign_in(client, "rev_new", password=OWNER_PASSWORD, totp_secret=secret)
    assert "rev_new" in client.get("/account").text

    # the link is spent: a clear page, nothing changes, the attempt is audited
    again = _enrol(client, token, password="another-password-9", confirm="another-password-9", secret=secret, code=code)
    assert again.status_code == 410 and 'data-reason="used"' in again.text and "已被使用" in again.text
    assert client.get(f"/enrol/{token}").status_code == 410
    assert _user(db, "rev_new").password_hash == owner.password_hash
    used = _events(db, "enrolment.use")
    assert [e.outcome for e in used][:1] == ["success"] and {e.detail.get("reason") for e in used[1:]} == {"used"}

    # a lost link: the hospital (the audit administrator too) issues a new one; the vendor's admin cannot
    csrf = _sign_in(client, "admin1")
    assert client.post(f"/enrolment-links/{owner.id}", data={"csrf_token": csrf}).status_code == 403
    csrf = _sign_in(client, "auditor")
    approvals = client.get("/approvals").text
    assert 'action="/enrolment-links/' in approvals and "<form" not in approvals.split("</title>")[0]
    fresh = client.post(f"/enrolment-links/{owner.id}", data={"csrf_token": csrf})
    assert fresh.status_code == 200 and LINK.search(fresh.text)
    client.cookies.clear()


def test_used_expired_void_and_garbage_links_give_a_clear_page_and_change_nothing(
    client: TestClient, session: Session, db: Engine
) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    first = client.post(
        "/admin/users", data={"username": "op_new", "display_name": "新人", "role": "operator", "csrf_token": csrf}
    )
    # a vendor-side account: the link is shown once, to the administrator who hands it over
    assert first.status_code == 200
    old = LINK.search(first.text).group(1)
    assert old not in client.get("/admin/users").text
    op = _user(db, "op_new")
    client.cookies.set("folio_flash", "%5B%5B%22info%22%2C%22leftover-flash%22%5D%5D")  # the previous action's
    second = client.post(f"/enrolment-links/{op.id}", data={"csrf_token": csrf})
    assert "leftover-flash" not in second.text
    new = LINK.search(second.text).group(1)
    client.cookies.clear()
    state = (op.password_hash, True)

    def unchanged() -> bool:
        user = _user(db, "op_new")
        return (user.password_hash, user.enrolment_pending) == state

    ok = {"password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD}
    r = _enrol(client, old, **ok)  # replaced by the new link
    assert r.status_code == 410 and 'data-reason="void"' in r.text and unchanged()
    assert client.get(f"/enrol/{old}").status_code == 410

    with Session(db) as s:  # expired: the setting's 72 hours are over
        s.execute(update(EnrolmentLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    r = client.get(f"/enrol/{new}")
    assert r.status_code == 410 and 'data-reason="expired"' in r.text and "已过期" in r.text
    assert _enrol(client, new, **ok).status_code == 410 and unchanged()
    assert {e.detail["reason"] for e in _events(db, "enrolment.use")} == {"void", "expired"}

    garbage = ["x", "fen_", "fen_" + "A" * 43, "fen_" + "a" * 5000, "..%2F..%2Flogin", "%00", "漢字", "fen_%20' OR 1=1"]
    for text in garbage:
        for r in (client.get(f"/enrol/{text}"), _enrol(client, text, **ok)):
            assert r.status_code in (404, 410), (text, r.status_code)
            if r.status_code == 410:
                assert 'data-reason="unknown"' in r.text
    assert unchanged()

    # disabling the account voids its link
    csrf = _sign_in(client, "admin1")
    third = LINK.search(client.post(f"/enrolment-links/{op.id}", data={"csrf_token": csrf}).text).group(1)
    client.post(f"/admin/users/{op.id}/active", data={"active": "false", "csrf_token": csrf})
    client.cookies.clear()
    r = _enrol(client, third, **ok)
    assert r.status_code == 410 and 'data-reason="void"' in r.text and unchanged()

    # a good link, then the approval: the operator (no second factor due) signs in with the password chosen
    csrf = _sign_in(client, "admin1")
    fourth = LINK.search(client.post(f"/enrolment-links/{op.id}", data={"csrf_token": csrf}).text).group(1)
    client.cookies.clear()
    form = client.get(f"/enrol/{fourth}")
    assert form.status_code == 200 and 'name="code"' not in form.text
    assert _enrol(client, fourth, **ok).status_code == 200
    with Session(db) as s:
        approval_id = s.exec(select(Approval.id)).one()
    csrf = _sign_in(client, "mgr")
    r = client.post(
        f"/approvals/{approval_id}", data={"decision": "approve", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert _can_sign_in(client, "op_new", OWNER_PASSWORD) and not _can_sign_in(client, "op_new", PASSWORD)
    assert people["admin1"].id in {e.actor_user_id for e in _events(db, "enrolment.issue")}
    assert {e.detail["why"] for e in _events(db, "enrolment.void")} == {"new_link", "disabled"}


def test_the_console_may_still_set_a_password_or_print_a_link(db: Engine, database_url: str, session: Session) -> None:
    _people(session)
    env = {
        "FOLIO_DATABASE_URL": database_url,
        "FOLIO_AUDIT_KEY_FILE": os.environ["FOLIO_AUDIT_KEY_FILE"],
        "PATH": "/usr/bin:/bin",
    }
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "link", "--username", "keeper"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    token = re.search(r"/enrol/(fen_[\w-]{40,})", r.stdout).group(1)
    with Session(db) as s:
        link = s.exec(select(EnrolmentLink)).one()
        assert link.issued_by is None and link.used_at is None and token not in link.token_hash
    [issued] = _events(db, "enrolment.issue")
    assert issued.detail["why"] == "console" and issued.detail["os_user"] and issued.detail["via"] == "console"
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "link", "--username", "nobody"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0 and "no user" in r.stderr
