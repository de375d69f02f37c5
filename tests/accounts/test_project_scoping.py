"""Another project's object is 404 on every route that takes its id, for every role that may open the route.

Project B gets real objects of the kinds below (records, pages, a lot with its first round and sample, users,
stations); each signed-in role of project A then opens every GET route whose ids are of those kinds with B's
ids. Routes taking other ids (exports, payables, payments, certificates, front-page uploads, calendar
overrides, handovers) are listed in NOT_WALKED with the loader that scopes them.
"""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.acceptance.models import Lot, ReviewRound, SampleItem
from app.accounts import totp
from app.accounts.models import Role, User
from app.accounts.permissions import MFA_REQUIRED, allowed
from app.pages.models import Page
from app.projects.models import Project
from app.records.models import Record
from tests.acceptance import test_service as acceptance
from tests.acceptance.helpers import T0, day, make_shop
from tests.accounts.test_route_roles import access_rule, api_routes, guards
from tests.factories import PASSWORD, make_project, make_user, signed_in_station

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
KINDS = {"record_id", "page_id", "lot_id", "number", "item_id", "user_id"}
NOT_WALKED = {  # id kind: the loader that checks the project (covered by its feature's tests)
    "export_id": "delivery: export_of(project)",
    "payable_id": "billing: payable of project",
    "payment_id": "billing: payment of project",
    "cert_id": "erasure: certificate of project",
    "upload_id": "frontpage: staged upload of project",
    "override_id": "production.calendar: override of project",
    "handover_id": "custody: handover of project",
    "approval_id": "accounts.approvals.decide: approval of project",
    "station_id": "accounts.service.revoke_station: station of project",
    "reading_id": "frontpage.check_views.reading_crop: reading of project",
}


def _project_b(session: Session) -> dict[str, int]:
    shop = make_shop(session, code="PB", sample_rate=Decimal("0.5"))
    lot = acceptance._lot_with(session, shop, (4, 4))
    acceptance.fix_seed(session, lot, "b", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    rnd = session.exec(select(ReviewRound).where(ReviewRound.lot_id == lot.id)).one()
    item = session.exec(select(SampleItem).where(SampleItem.round_id == rnd.id)).first()
    return {
        "record_id": session.exec(select(Record.id).where(Record.project_id == shop.project.id)).first(),
        "page_id": session.exec(select(Page.id).where(Page.project_id == shop.project.id)).first(),
        "lot_id": lot.id,
        "number": rnd.number,
        "item_id": item.id,
        "user_id": shop.operator.id,
    }


def _sign_in(client: TestClient, session: Session, username: str, role: Role) -> None:
    session.execute(update(User).where(col(User.username) == username).values(totp_last_step=None))
    session.commit()
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    if "second-factor" in r.headers["location"]:
        page = client.get("/login/second-factor")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        code = totp.code_at(SECRET, totp.step_of(time.time()))
        r = client.post("/login/second-factor", data={"code": code, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303, r.text


def _params(path: str) -> set[str]:
    return set(re.findall(r"\{([^}]+)\}", path))


def test_another_projects_object_is_not_found_on_every_page(client: TestClient, session: Session) -> None:
    ids = _project_b(session)
    project_a = make_project(session, code="PA")
    for role in Role:
        user = make_user(session, project_a, username=f"a_{role.value}", role=role)
        user.totp_secret = SECRET if role in MFA_REQUIRED else None
        session.add(user)
    session.commit()
    routes = [
        r for r in api_routes(client.app) if access_rule(r) == "permission" and "GET" in r.methods and _params(r.path)
    ]
    walked = [r for r in routes if _params(r.path) <= KINDS]
    assert {p for r in routes for p in _params(r.path)} <= KINDS | set(NOT_WALKED), "a new id kind: walk it"
    assert len(walked) >= 15
    leaks = []
    for role in Role:
        _sign_in(client, session, f"a_{role.value}", role)
        for route in walked:
            perms = next(c.permissions for c in guards(route) if getattr(c, "permissions", None))
            if not any(allowed(role.value, p) for p in perms):
                continue
            url = re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), route.path)
            status = client.get(url, follow_redirects=False).status_code
            if status != 404:
                leaks.append(f"{role.value} GET {url} ({route.path}): {status}")
    client.cookies.clear()
    assert leaks == [], leaks


@pytest.mark.parametrize("bad", ["0", "-1", "9999", "other"])
def test_production_operator_of_another_project_or_no_one_is_not_found(
    client: TestClient, session: Session, bad: str
) -> None:
    ids = _project_b(session)
    project_a = make_project(session, code="PA")
    manager = make_user(session, project_a, username="a_mgr", role=Role.vendor_manager)
    manager.totp_secret = SECRET
    session.add(manager)
    session.commit()
    _sign_in(client, session, "a_mgr", Role.vendor_manager)
    user_id = ids["user_id"] if bad == "other" else bad
    r = client.get(f"/production/operators/{user_id}")
    assert r.status_code == (422 if bad in ("0", "-1") else 404), r.text
    other = session.get(User, ids["user_id"])
    assert other.display_name not in r.text
    client.cookies.clear()


def test_station_api_ids_of_another_project_are_not_found(client: TestClient, session: Session) -> None:
    ids = _project_b(session)
    auth = signed_in_station(client, session, code="PS", username="op_ps")
    for url in (
        f"/api/v1/records/{ids['record_id']}/pages",
        f"/api/v1/pages/{ids['page_id']}/images",
        f"/api/v1/pages/{ids['page_id']}/image",
    ):
        r = client.get(url, headers=auth.headers)
        assert r.status_code == 404, f"{url}: {r.status_code}"
    lots = session.exec(select(Lot.id)).all()
    assert lots == [ids["lot_id"]]  # B's lot is still there, only not visible from A


def test_administration_of_another_projects_accounts_is_not_found(client: TestClient, session: Session) -> None:
    from app.accounts.models import Approval, Station
    from app.accounts.service import create_station

    ids = _project_b(session)
    b_project = session.get(User, ids["user_id"]).project_id
    b_station, _ = create_station(session, project_id=b_project, name="b station")
    b_admin = make_user(session, session.get(Project, b_project), username="b_admin", role=Role.sysadmin)
    payload = {"user_id": ids["user_id"], "role": "reviewer", "username": "x", "grant": "change"}
    session.add(
        Approval(
            project_id=b_project,
            kind="role_change",
            requested_by=b_admin.id,
            requested_at=T0,
            expires_at=T0 + timedelta(days=3650),
            payload=payload,
        )
    )
    project_a = make_project(session, code="PA")
    for name, role in (("a_admin", Role.sysadmin), ("a_keeper", Role.custodian)):
        user = make_user(session, project_a, username=name, role=role)
        user.totp_secret = SECRET
        session.add(user)
    session.commit()
    approval_id = session.exec(select(Approval.id)).one()
    for name, role, url, form in (
        ("a_admin", Role.sysadmin, f"/admin/users/{ids['user_id']}/active", {"active": "false"}),
        ("a_admin", Role.sysadmin, f"/admin/users/{ids['user_id']}/role", {"role": "reviewer"}),
        ("a_admin", Role.sysadmin, f"/admin/stations/{b_station.id}/revoke", {}),
        ("a_keeper", Role.custodian, f"/approvals/{approval_id}", {"decision": "approve"}),
    ):
        _sign_in(client, session, name, role)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text).group(1)
        r = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 404, f"{url}: {r.status_code}"
    session.expire_all()
    assert session.get(User, ids["user_id"]).active and session.get(Station, b_station.id).active
    assert session.get(Approval, approval_id).status == "pending"
    client.cookies.clear()
