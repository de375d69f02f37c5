"""The vendor's administrator cannot end up holding a hospital account through role requests filed while the
account was something else: one pending role change per account (409 role_change_pending), deciding one cancels
the others, and a hospital grant is decided from the account's state when it runs (reset, link to the approver)."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts import totp
from app.accounts.models import Approval, Role, User
from app.core.clock import utcnow
from tests.accounts.test_duties import _can_sign_in, _people, _sign_in
from tests.accounts.test_enrolment import LINK, OWNER_PASSWORD, _enrol, _events, _user

ADMIN_PASSWORD = "Admin0wnsThis!"


def _ask_role(client: TestClient, csrf: str, user: User, role: Role):  # noqa: ANN202
    return client.post(
        f"/admin/users/{user.id}/role", data={"role": role.value, "csrf_token": csrf}, follow_redirects=False
    )


def _stale_request(db: Engine, user: User, role: Role, *, from_role: str = "reviewer", grant: str = "change") -> int:
    """A role request filed before this rule existed (or in a race), still pending: what the attack needs."""
    now, requested_by = utcnow(), _user(db, "admin1").id
    with Session(db) as s:
        a = Approval(
            project_id=user.project_id, kind="role_change", reason="", requested_by=requested_by,
            requested_at=now, expires_at=now + timedelta(hours=72),
            payload={"user_id": user.id, "role": role.value, "from_role": from_role, "username": user.username,
                     "grant": grant},
        )  # fmt: skip
        s.add(a)
        s.commit()
        return a.id


def _decide(client: TestClient, who: str, approval_id: int, decision: str = "approve"):  # noqa: ANN202
    csrf = _sign_in(client, who)
    return client.post(
        f"/approvals/{approval_id}", data={"decision": decision, "csrf_token": csrf}, follow_redirects=False
    )


def _admin_enrols(client: TestClient, user: User) -> None:
    csrf = _sign_in(client, "admin1")  # allowed: the account is vendor-side now
    token = LINK.search(client.post(f"/enrolment-links/{user.id}", data={"csrf_token": csrf}).text).group(1)
    assert _enrol(client, token, password=ADMIN_PASSWORD, confirm=ADMIN_PASSWORD).status_code == 200
    assert _user(client.app.state.engine, user.username).enrolment_pending is False  # his password now


def test_a_new_reviewers_old_request_cannot_hand_the_vendor_an_enrolled_reviewer(
    client: TestClient, session: Session, db: Engine
) -> None:
    _people(session)
    csrf = _sign_in(client, "admin1")
    client.post("/admin/users", data={"username": "x3", "display_name": "X三", "role": "reviewer", "csrf_token": csrf})
    x3 = _user(db, "x3")
    [new_request] = _events(db, "approval.request")
    # a second request while the first waits is refused, with a translated reason
    r = _ask_role(client, csrf, x3, Role.operator)
    assert r.status_code == 409 and "已有一个角色变更在等待审批" in r.text
    assert len(_events(db, "approval.request")) == 1

    # a second request that got in anyway (filed before the rule): deciding one cancels the other
    stale = _stale_request(db, x3, Role.operator)
    assert _decide(client, "keeper", stale).status_code == 303
    with Session(db) as s:
        first = s.get(Approval, int(new_request.object_id))
        assert (first.status, first.decision_note) == ("cancelled", f"#{stale}")
    [cancel] = _events(db, "approval.cancel")
    assert int(cancel.object_id) == first.id and cancel.detail["because"] == stale
    assert _decide(client, "keeper", first.id).status_code == 409  # cannot be approved any more
    _sign_in(client, "admin1")
    mine = client.get("/approvals").text
    assert "已取消：该账户的另一项变更已被决定" in mine

    # the admin enrols the (now vendor-side) operator himself; a stale hospital request must not keep his password
    _admin_enrols(client, x3)
    again = _stale_request(db, x3, Role.reviewer, grant="new")
    page = _decide(client, "keeper", again)
    assert page.status_code == 200 and LINK.search(page.text), page.text[-500:]  # the link goes to the hospital
    after = _user(db, "x3")
    assert (after.role, after.enrolment_pending, after.totp_secret) == ("reviewer", True, None)
    assert not _can_sign_in(client, "x3", ADMIN_PASSWORD)
    [reset] = _events(db, "enrolment.reset")
    assert reset.detail["from"] == "operator" and reset.detail["approval_id"] == again


def test_a_demoted_reviewer_cannot_come_back_as_a_vendor_held_custodian(
    client: TestClient, session: Session, db: Engine
) -> None:
    people = _people(session)
    x1 = people["old_rev"]  # an enrolled, confirmed hospital reviewer (enabled again for this walk)
    with Session(db) as s:
        s.get(User, x1.id).active = True
        s.commit()
    csrf = _sign_in(client, "admin1")
    assert _ask_role(client, csrf, x1, Role.custodian).status_code == 303
    r = _ask_role(client, csrf, x1, Role.operator)
    assert r.status_code == 409 and "<code>role_change_pending</code>" in r.text and "已有一个角色变更" in r.text
    [to_custodian] = _events(db, "approval.request")

    # the demotion as a stale second request; the custodian approves it, which cancels the custodian request
    demote = _stale_request(db, x1, Role.operator)
    assert _decide(client, "keeper", demote).status_code == 303
    with Session(db) as s:
        assert s.get(Approval, int(to_custodian.object_id)).status == "cancelled"
    _admin_enrols(client, x1)

    # a request filed when x1 was still a reviewer (snapshot from_role=reviewer) is approved now: reset, new link
    promote = _stale_request(db, x1, Role.custodian)
    page = _decide(client, "auditor", promote)
    assert page.status_code == 200 and LINK.search(page.text)
    token = LINK.search(page.text).group(1)
    after = _user(db, x1.username)
    assert (after.role, after.enrolment_pending) == ("custodian", True)
    assert not _can_sign_in(client, x1.username, ADMIN_PASSWORD)
    [issued] = [e for e in _events(db, "enrolment.issue") if e.detail.get("why") == "side_change"]
    assert issued.actor_user_id == people["auditor"].id

    # an honest hospital-side move (custodian → audit administrator of an enrolled account) keeps the owner's setup
    client.cookies.clear()
    form = client.get(f"/enrol/{token}")
    secret = re.search(r'name="secret" value="([A-Z2-7]{32})"', form.text).group(1)
    code = totp.code_at(secret, totp.step_of(utcnow().timestamp()))
    done = _enrol(client, token, password=OWNER_PASSWORD, confirm=OWNER_PASSWORD, secret=secret, code=code)
    assert done.status_code == 200
    csrf = _sign_in(client, "admin1")
    assert _ask_role(client, csrf, x1, Role.audit_admin).status_code == 303
    [last] = [a for a in _events(db, "approval.request")][-1:]
    assert _decide(client, "keeper", int(last.object_id)).status_code == 303  # no reset, no link
    assert _user(db, x1.username).enrolment_pending is False
