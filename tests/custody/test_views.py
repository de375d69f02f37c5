"""Custody screens over HTTP: the custodian scans a check-out, the vendor's manager confirms it, the sheet prints,
the outstanding list warns, boxes and shelves are scanned, a record is found; and who may do what."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import Role
from app.core.clock import utcnow
from app.custody.models import Handover, HandoverItem, RecordCustody
from tests.custody.helpers import custody_people
from tests.custody.web import enrol, sign_in
from tests.factories import make_project, make_user, signed_in_web_user


def test_checkout_written_confirmed_and_printed(client: TestClient, session: Session) -> None:
    project = make_project(session)
    people = custody_people(session, project)
    enrol(session, people.manager)
    token = sign_in(client, people.custodian)
    form = client.get("/custody/handovers/new?kind=checkout")
    assert form.status_code == 200 and "data-scanner" in form.text and "autofocus" in form.text
    assert client.get("/custody/lookup", params={"code": "00012345-1"}).json()["kind"] == "new_record"

    data = {
        "csrf_token": token,
        "kind": "checkout",
        "declared_count": "3",
        "counterpart_id": str(people.manager.id),
        "codes": ["00012345-1", "00012346 2", "00012347-1"],
        "condition": ["normal", "damaged", "normal"],
        "condition_note": ["", "封面破损", ""],
    }
    # A wrong count refuses the whole batch and keeps the scanned lines on the form.
    wrong = client.post("/custody/handovers", data={**data, "declared_count": "4"})
    assert wrong.status_code == 422 and "请重新清点" in wrong.text and wrong.text.count('name="codes"') == 4
    assert session.exec(select(Handover)).all() == []
    session.commit()
    done = client.post("/custody/handovers", data=data, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "C00001" in page.text and "封面破损" in page.text and 'id="confirm-form"' not in page.text

    # The sheet has both signature lines and every record.
    sheet = client.get(done.headers["location"] + "/sheet")
    assert sheet.status_code == 200 and sheet.text.count('class="hs-line"') == 4
    assert "00012346" in sheet.text and 'id="sheet-count">3<' in sheet.text

    # The vendor's manager confirms, acknowledging the damaged record.
    handover = session.exec(select(Handover)).one()
    damaged = session.exec(select(HandoverItem).where(HandoverItem.condition == "damaged")).one()
    session.commit()
    token = sign_in(client, people.manager)
    page = client.get(f"/custody/handovers/{handover.id}")
    assert 'id="confirm-form"' in page.text
    refused = client.post(f"/custody/handovers/{handover.id}/confirm", data={"csrf_token": token})
    assert refused.status_code == 422
    ok = client.post(
        f"/custody/handovers/{handover.id}/confirm",
        data={"csrf_token": token, "acknowledged": [str(damaged.id)]},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    out = client.get("/custody")
    assert 'id="kpi-out">3<' in out.text and 'id="overdue-warning"' not in out.text

    # Twenty days later the list warns (the project's limit is 14 days).
    session.execute(update(RecordCustody).values(out_since=utcnow() - timedelta(days=20)))
    session.commit()
    out = client.get("/custody")
    assert 'id="kpi-overdue">3<' in out.text and 'id="overdue-warning"' in out.text and "⚠" in out.text


def test_packing_shelving_and_where_is(client: TestClient, session: Session) -> None:
    from tests.custody.helpers import check_out

    project = make_project(session)
    people = custody_people(session, project)
    enrol(session, people.manager)
    operator = make_user(session, project, "op_pack", Role.operator)
    session.commit()
    check_out(session, project, people, ["00000001-1", "00000002-1"])
    from app.records.models import Record as _Record

    named = session.exec(select(_Record).where(_Record.mrn == "00000001")).one()
    named.patient_name = "赵六"
    session.add(named)
    session.commit()
    token = sign_in(client, people.manager)
    r = client.post(
        "/custody/boxes",
        data={"csrf_token": token, "prefix": "BX", "first": "1", "last": "3", "width": "4"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/custody/shelves", data={"csrf_token": token, "barcode": "SH-A1", "place": "A 排 1 列"}, follow_redirects=False
    )
    assert r.status_code == 303
    again = client.post("/custody/shelves", data={"csrf_token": token, "barcode": "BX0001", "place": ""})
    assert again.status_code == 422 and "已被某个档案盒、档案架或病案使用" in again.text

    token = sign_in(client, operator)  # operators pack
    assert client.get("/custody").status_code == 403  # but do not see the outstanding list
    page = client.post("/custody/pack", data={"csrf_token": token, "code": "BX0002", "box": ""})
    assert 'data-result="box_open"' in page.text
    page = client.post("/custody/pack", data={"csrf_token": token, "code": "00000001-1", "box": "BX0002"})
    assert 'data-result="packed"' in page.text and "<strong>BX0002</strong> (1)" in page.text
    page = client.post("/custody/pack", data={"csrf_token": token, "code": "nothing-here", "box": "BX0002"})
    assert page.status_code == 422 and 'data-result="unknown"' in page.text
    page = client.post("/custody/pack", data={"csrf_token": token, "code": "SH-A1", "box": "BX0002"})
    assert 'data-result="shelved"' in page.text
    where = client.get("/custody/where", params={"q": "00000001-1"})
    assert 'class="where-box">BX0002<' in where.text and 'class="where-shelf">SH-A1<' in where.text
    assert "赵六" not in where.text  # an operator sees where the paper is, not whose it is
    sign_in(client, people.custodian)
    assert "赵六" in client.get("/custody/where", params={"q": "00000001-1"}).text
    assert client.get("/custody/where", params={"q": "zzz"}).text.count('id="not-found"') == 1


def test_roles(client: TestClient, session: Session) -> None:
    project = make_project(session)
    people = custody_people(session, project)
    enrol(session, people.manager)
    operator = make_user(session, project, "op2", Role.operator)
    session.commit()
    token = sign_in(client, operator)
    assert client.get("/custody/handovers/new").status_code == 403
    assert client.post("/custody/handovers", data={"csrf_token": token, "codes": ["1-1"]}).status_code == 403
    token = sign_in(client, people.manager)  # the vendor confirms but never writes a batch
    assert client.get("/custody/handovers/new").status_code == 403
    assert client.get("/custody/settings").status_code == 403
    token = sign_in(client, people.custodian)
    r = client.post(
        "/custody/settings",
        data={"csrf_token": token, "require_checkout": "on", "overdue_days": "30"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'value="30"' in client.get("/custody/settings").text
    assert session.exec(select(RecordCustody).where(col(RecordCustody.id) > 0)).all() == []


@pytest.mark.parametrize("role", [Role.operator, Role.vendor_qc, Role.vendor_manager, Role.reviewer, Role.custodian])
def test_every_custody_tab_a_role_is_shown_opens(client: TestClient, session: Session, role: Role) -> None:
    """The custody tabs show only screens the role may open (operators saw tabs that answered 403)."""
    import re as _re

    from app.navigation import may

    project = make_project(session)
    signed_in_web_user(client, session, project, f"u_{role.value}", role)
    start = "/custody/pack" if may(role.value, "pack_records") else "/custody"
    page = client.get(start)
    assert page.status_code == 200
    nav = _re.search(r'<nav class="subnav".*?</nav>', page.text, _re.S).group(0)
    links = _re.findall(r'href="([^"]+)"', nav)
    assert links
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, (role, href)
    client.cookies.clear()
