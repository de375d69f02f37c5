"""Delivery screens over HTTP: request → the custodian approves → start → progress → done; segments and naming."""

import re
import time
from pathlib import Path

import bagit
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.delivery.models import DeliveryExport
from app.delivery.verify import verify_package
from app.pages.models import Page
from app.records.models import Record
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records


def test_export_requested_approved_started_and_finished(client: TestClient, session: Session, tmp_path: Path) -> None:
    acc = accepted_records(client, session)
    enrol(session, acc.manager)
    token = sign_in(client, acc.manager)
    home = client.get("/delivery")
    assert 'id="kpi-records">3<' in home.text and 'id="kpi-pages">9<' in home.text
    target = tmp_path / "delivery-1"
    r = client.post(
        "/delivery/exports",
        data={"csrf_token": token, "target": str(target), "reason": "第一批"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page_url = r.headers["location"]
    page = client.get(page_url)
    assert 'id="start-export"' not in page.text  # not approved yet
    export = session.exec(select(DeliveryExport)).one()
    session.commit()
    # The manager cannot approve his own request; the custodian can.
    assert (
        client.post(f"/approvals/{export.approval_id}", data={"csrf_token": token, "decision": "approve"}).status_code
        == 403
    )
    ctoken = sign_in(client, acc.custodian)
    assert client.post("/delivery/exports", data={"csrf_token": ctoken, "target": str(target)}).status_code == 403
    assert (
        client.post(
            f"/approvals/{export.approval_id}",
            data={"csrf_token": ctoken, "decision": "approve"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    token = sign_in(client, acc.manager)
    page = client.get(page_url)
    assert 'id="start-export"' in page.text
    assert client.post(f"{page_url}/start", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = client.get(f"{page_url}/progress").json()
        if progress["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert progress["status"] == "done", progress
    assert (progress["pages_done"], progress["page_count"]) == (9, 9)
    page = client.get(page_url)
    assert "folio delivery verify" in page.text and 'id="export-fingerprint"' in page.text
    assert verify_package(target).ok
    bagit.Bag(str(target)).validate()
    # The approval was spent: starting again is refused.
    again = client.post(f"{page_url}/start", data={"csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303 and client.get(page_url).status_code == 200


def test_segment_check_and_correction(client: TestClient, session: Session) -> None:
    acc = accepted_records(client, session, records=[("00012345", 3, {2: "病程记录", 3: "X光"})])
    enrol(session, acc.manager)
    record = session.exec(select(Record)).one()
    session.commit()
    token = sign_in(client, acc.manager)
    check = client.get("/delivery/segments")
    assert 'id="incomplete-total">1<' in check.text and "X光" in check.text
    page = client.get(f"/delivery/segments/records/{record.id}")
    assert page.text.count('class=" line-bad"') + page.text.count('line-bad"') >= 2
    r = client.post(
        f"/delivery/segments/records/{record.id}",
        data={"csrf_token": token, "first": "1", "last": "1", "segment": "首页"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/delivery/segments/records/{record.id}",
        data={"csrf_token": token, "first": "3", "last": "3", "segment": "检查检验报告"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    marks = [
        p.segment for p in session.exec(select(Page).where(Page.record_id == record.id).order_by(Page.page_number))
    ]
    assert marks == ["首页", "病程记录", "检查检验报告"]
    session.commit()
    page = client.get(f"/delivery/segments/records/{record.id}")
    assert "00012345_1/06_检查检验报告/00012345_1_0003.jpg" in page.text
    assert 'id="incomplete-total">0<' in client.get("/delivery/segments").text

    bad = client.post(
        "/delivery/segments", data={"csrf_token": token, "segments": "首页\n其他", "template": "{mrn}/{page}.jpg"}
    )
    assert bad.status_code == 422 and "{visit}" in bad.text
    ok = client.post(
        "/delivery/segments",
        data={
            "csrf_token": token,
            "segments": "首页\n病程记录\n其他",
            "template": "{mrn}-{visit}/{segment}/{page:03d}.jpg",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get(f"/delivery/segments/records/{record.id}")
    assert re.search(r"00012345-1/首页/001\.jpg", page.text)
    assert "unknown mark" in page.text or "未知" in page.text  # 检查检验报告 is no longer in the list
