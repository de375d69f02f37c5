"""Separation of duties: every way an account gains a role, and the vendor's side alone never makes a hospital one.

The ways: created in the browser, role changed, re-enabled, at the console (`folio user add`); there is no
import of accounts (a static check below holds the code to that). A lot is decided only by a reviewer whose
grant the hospital approved or the console made.
"""

import ast
import os
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from app.accounts.duties import GRANT_APPROVERS, SIDE_OF, Side, grant_refusal, require_confirmed_reviewer
from app.accounts.models import Approval, Role, User
from app.audit.models import AuditEvent
from tests.factories import PASSWORD, browser_sign_in, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ROOT = Path(__file__).resolve().parents[2]
HOSPITAL_ROLES = [r for r in Role if SIDE_OF[r] == Side.hospital]
GRANTED = "approved"
NEW_PASSWORD = "a-long-enough-secret"
VENDOR_SIDE = ("admin1", "admin2", "mgr", "qc")  # every vendor-side (and neutral) person of the project


# --- the rule itself, every combination ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("approver_role", list(Role))
def test_who_may_approve_which_role(role: Role, approver_role: Role) -> None:
    why = grant_refusal(
        role=role,
        target_user_id=3,
        requested_by=1,
        approver_id=2,
        approver_role=approver_role,
        approver_grant="approved",
    )
    allowed = approver_role in GRANT_APPROVERS[SIDE_OF[role]]
    assert (why is None) == allowed, why
    if SIDE_OF[role] == Side.hospital:  # only the hospital's custodian or audit administrator
        assert allowed == (approver_role in (Role.custodian, Role.audit_admin))


@pytest.mark.parametrize("role", list(Role))
def test_nobody_approves_his_own_request_or_a_grant_to_himself(role: Role) -> None:
    approver = next(iter(GRANT_APPROVERS[SIDE_OF[role]]))
    own = grant_refusal(
        role=role, target_user_id=3, requested_by=2, approver_id=2, approver_role=approver, approver_grant="approved"
    )
    himself = grant_refusal(
        role=role, target_user_id=2, requested_by=1, approver_id=2, approver_role=approver, approver_grant="approved"
    )
    assert own and "yourself" in own and himself and "himself" in himself


def test_a_hospital_approver_from_before_the_rule_must_be_confirmed_first() -> None:
    why = grant_refusal(
        role=Role.reviewer,
        target_user_id=3,
        requested_by=1,
        approver_id=2,
        approver_role=Role.custodian,
        approver_grant="legacy",
    )
    assert why and "not been confirmed" in why


# --- every way through the real server ---------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _people(session: Session) -> dict[str, User]:
    project = make_project(session)
    people = {}
    for name, role in (
        ("admin1", Role.sysadmin),
        ("admin2", Role.sysadmin),
        ("mgr", Role.vendor_manager),
        ("qc", Role.vendor_qc),
        ("op", Role.operator),
        ("keeper", Role.custodian),
        ("auditor", Role.audit_admin),
        ("old_rev", Role.reviewer),
    ):
        user = make_user(session, project, username=name, role=role)
        user.totp_secret = SECRET
        people[name] = user
    people["old_rev"].active = False  # a hospital reviewer the hospital once had, now disabled
    session.add_all(people.values())
    session.commit()
    return people


def _sign_in(client: TestClient, username: str) -> str:
    # Each TOTP code works once: the walk signs the same people in several times within one 30-second step,
    # so the test forgets the last used step (what waiting 30 seconds would do).
    engine = client.app.state.engine
    with Session(engine) as s:
        s.execute(update(User).where(User.username == username).values(totp_last_step=None))
        s.commit()
    return browser_sign_in(client, username, totp_secret=SECRET)


def _approve_as_everyone(client: TestClient, approval_id: int, names: tuple[str, ...]) -> dict[str, int]:
    answers = {}
    for name in names:
        csrf = _sign_in(client, name)
        r = client.post(
            f"/approvals/{approval_id}", data={"decision": "approve", "csrf_token": csrf}, follow_redirects=False
        )
        answers[name] = r.status_code
    return answers


def _can_sign_in(client: TestClient, username: str, password: str = PASSWORD) -> bool:
    client.cookies.clear()
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    client.cookies.clear()
    return r.status_code == 303


@pytest.mark.parametrize("role", HOSPITAL_ROLES)
def test_the_vendor_side_alone_cannot_produce_a_hospital_account(
    client: TestClient, session: Session, db: Engine, role: Role
) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    # 1. create: the account exists at once, disabled, with its grant pending
    r = client.post(
        "/admin/users",
        data={
            "username": "new_h",
            "display_name": "N",
            "role": role.value,
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    # 2. change: an operator asked to become the hospital role
    client.post(f"/admin/users/{people['op'].id}/role", data={"role": role.value, "csrf_token": csrf})
    # 3. re-enable: the disabled hospital reviewer (asked with its own role)
    client.post(f"/admin/users/{people['old_rev'].id}/active", data={"active": "true", "csrf_token": csrf})
    with Session(db) as s:
        approvals = s.exec(select(Approval).order_by(Approval.id)).all()
        new_h = s.exec(select(User).where(User.username == "new_h")).one()
    assert [a.payload["grant"] for a in approvals] == ["new", "change", "enable"]
    assert (new_h.active, new_h.role_grant) == (False, "pending")
    assert not _can_sign_in(client, "new_h", NEW_PASSWORD)

    for approval in approvals:
        answers = _approve_as_everyone(client, approval.id, VENDOR_SIDE)
        assert set(answers.values()) == {403}, answers  # the requester, the other admin, the manager, vendor QC
    with Session(db) as s:
        assert s.get(User, new_h.id).active is False
        assert s.get(User, people["op"].id).role == "operator"
        assert s.get(User, people["old_rev"].id).active is False
        assert {a.status for a in s.exec(select(Approval))} == {"pending"}
        denied = s.exec(
            select(AuditEvent).where(AuditEvent.action == "approval.decide", AuditEvent.outcome == "denied")
        ).all()
    assert len(denied) == 3 * 3  # each refusal is audited (vendor QC may not even open Approvals)

    # the hospital approves: then, and only then, the accounts hold the role
    # a new account and a vendor account made a hospital one get an enrolment link, shown to the approver (200);
    # the re-enabled hospital account keeps its owner's password (303)
    for approval, approver, status in zip(approvals, ("keeper", "auditor", "keeper"), (200, 200, 303), strict=True):
        assert _approve_as_everyone(client, approval.id, (approver,)) == {approver: status}
    with Session(db) as s:
        new_h = s.get(User, new_h.id)
        assert (new_h.active, new_h.role, new_h.role_grant) == (True, role.value, "approved")
        assert s.get(User, people["op"].id).role == role.value
        assert s.get(User, people["op"].id).enrolment_pending is True
        assert s.get(User, people["old_rev"].id).active is True
    # nobody on the vendor's side knows a password of either: only the link's holder sets one
    assert not _can_sign_in(client, "new_h", NEW_PASSWORD) and not _can_sign_in(client, "op")
    assert _can_sign_in(client, "old_rev")
    client.cookies.clear()


def test_a_vendor_role_needs_another_vendor_person_and_not_the_hospital_alone(
    client: TestClient, session: Session, db: Engine
) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    client.post(f"/admin/users/{people['op'].id}/role", data={"role": "vendor_manager", "csrf_token": csrf})
    with Session(db) as s:
        approval_id = s.exec(select(Approval.id)).one()
    answers = _approve_as_everyone(client, approval_id, ("admin1", "keeper", "auditor", "qc"))
    assert set(answers.values()) == {403}, answers
    assert _approve_as_everyone(client, approval_id, ("mgr",)) == {"mgr": 303}
    with Session(db) as s:
        op = s.get(User, people["op"].id)
        assert (op.role, op.role_grant, op.role_granted_by) == ("vendor_manager", "approved", people["mgr"].id)
    client.cookies.clear()


def test_nobody_approves_a_role_for_himself(client: TestClient, session: Session, db: Engine) -> None:
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    client.post(f"/admin/users/{people['mgr'].id}/role", data={"role": "sysadmin", "csrf_token": csrf})
    with Session(db) as s:
        approval_id = s.exec(select(Approval.id)).one()
    assert _approve_as_everyone(client, approval_id, ("mgr",)) == {"mgr": 403}
    _sign_in(client, "mgr")
    assert f"/approvals/{approval_id}" not in client.get("/approvals").text  # not even offered
    client.cookies.clear()


def test_the_console_is_the_audited_bootstrap(db: Engine, database_url: str, session: Session) -> None:
    make_project(session, code="BOOT")
    session.commit()
    env = {
        "FOLIO_DATABASE_URL": database_url,
        "FOLIO_AUDIT_KEY_FILE": os.environ["FOLIO_AUDIT_KEY_FILE"],
        "FOLIO_NEW_PASSWORD": "a-long-enough-secret",
        "PATH": "/usr/bin:/bin",
    }
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "add", "--project", "BOOT", "--username", "first_keeper",
         "--role", "custodian", "--password-env", "FOLIO_NEW_PASSWORD"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    with Session(db) as s:
        user = s.exec(select(User).where(User.username == "first_keeper")).one()
        assert (user.role, user.role_grant, user.active) == ("custodian", "console", True)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "user.role_grant")).one()
    assert event.object_id == str(user.id) and event.detail["via"] == "console" and event.detail["os_user"]

    with db.begin() as conn:  # an account from before the rule: confirmed once at the console
        conn.execute(update(User).where(User.id == user.id).values(role_grant="legacy"))
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "confirm", "--username", "first_keeper"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0 and "confirmed at the console" in r.stdout, r.stderr
    with Session(db) as s:
        assert s.get(User, user.id).role_grant == "console"


def test_only_the_account_service_creates_accounts_and_only_the_rule_sets_roles() -> None:
    """No other way (an import, a script, a view) can make an account or give it a role: the code has none."""
    makers, role_writers = [], []
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "User":
                makers.append(rel)
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for leaf in t.elts if isinstance(t, ast.Tuple) else [t]:
                        if isinstance(leaf, ast.Attribute) and leaf.attr in ("role", "role_grant", "role_granted_by"):
                            role_writers.append(rel)
    assert makers == ["app/accounts/service.py"], makers
    assert set(role_writers) == {"app/accounts/duties.py"}, role_writers


# --- deciding a lot ----------------------------------------------------------------------------------------------


def test_a_lot_is_decided_only_by_a_reviewer_whose_grant_the_hospital_confirmed(session: Session) -> None:
    from app.acceptance.deciding import decide_lot
    from app.acceptance.seeding import fix_seed
    from app.accounts.duties import GrantNotConfirmed
    from tests.acceptance.helpers import T0, day, make_shop
    from tests.acceptance.test_service import _lot_with, _review_all

    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10, 20))
    fix_seed(session, lot, "s1", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    _review_all(session, shop, lot)
    # a reviewer from before the rule (or one the vendor made some other way) may not decide
    session.execute(update(User).where(User.id == shop.reviewer.id).values(role_grant="legacy"))
    session.commit()
    now = T0 + timedelta(days=29)
    with pytest.raises(GrantNotConfirmed):
        decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-05"), now=now)
    session.rollback()
    with pytest.raises(GrantNotConfirmed):  # nor anyone who is not a reviewer
        decide_lot(session, lot, shop.project, actor=shop.actor(shop.manager), today=day("2026-02-05"), now=now)
    session.rollback()
    require_confirmed_reviewer(session, shop.reviewer2.id)  # made at the console: confirmed
    rnd = decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer2), today=day("2026-02-05"), now=now)
    session.commit()
    assert rnd.decision == "accepted" and rnd.decided_by == shop.reviewer2.id


def test_taking_a_hospital_role_away_is_the_hospitals_decision_too() -> None:
    """A break-it review found the vendor demoting the hospital's reviewer with a vendor approval."""
    from app.accounts.duties import approving_side, disable_refusal, grant_refusal, may_approve_grant

    common = {"target_user_id": 7, "requested_by": 1, "approver_grant": "approved"}
    assert grant_refusal(role="operator", from_role="reviewer", approver_id=2, approver_role="vendor_manager", **common)
    by_custodian = grant_refusal(
        role="operator", from_role="reviewer", approver_id=3, approver_role="custodian", **common
    )
    assert by_custodian is None
    assert approving_side("operator", "custodian").value == "hospital"
    assert may_approve_grant("custodian", {"role": "operator", "from_role": "reviewer"})
    assert not may_approve_grant("vendor_manager", {"role": "operator", "from_role": "reviewer"})
    assert disable_refusal("sysadmin", "reviewer") and disable_refusal("sysadmin", "custodian")
    assert disable_refusal("sysadmin", "operator") is None


def test_out_of_range_days_and_months_are_no_500() -> None:
    from app.billing.exceptions import BadMonth
    from app.billing.service import parse_month

    for text in ("9999-12", "0001-01", "2201-01"):
        with pytest.raises(BadMonth):
            parse_month(text)
