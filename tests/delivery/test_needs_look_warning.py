"""Issue 16 (breakit-b16 #5): accepted pages that need a look and were never looked at are delivered with a
warning, not silently: the manager is told when filing, the custodian sees the count when approving; a page the
vendor's QC judged no longer counts."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Approval
from app.core.clock import local_date, utcnow
from app.core.i18n import LANG_COOKIE
from app.delivery.looks import unlooked_pages
from app.delivery.service import accepted_rounds
from app.inspection.looks import open_look
from app.inspection.models import InspectionItem
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records, pages_needing_a_look


def test_unlooked_pages_are_counted_for_the_custodian(
    client: TestClient, session: Session, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, [("00012345", 3, {1: "首页"})])
    pages = pages_needing_a_look(client, session, image_store, acc, 2)  # qc found these outlines uncertain
    rounds = [r.id for r in accepted_rounds(session, acc.project.id, local_date(utcnow(), acc.project.timezone))]
    assert unlooked_pages(session, acc.project.id, rounds) == 2

    enrol(session, acc.manager)
    session.commit()
    token = sign_in(client, acc.manager)
    client.cookies.set(LANG_COOKIE, "zh-CN")
    r = client.post("/delivery/exports", data={"csrf_token": token, "target": str(tmp_path / "p"), "reason": ""})
    assert r.status_code == 200
    assert "2 个已验收页面需人工查看" in r.text and "/inspection/looks" in r.text
    approval = session.exec(select(Approval)).one()
    assert approval.payload["pages_need_look"] == 2

    enrol(session, acc.custodian)
    session.commit()
    sign_in(client, acc.custodian)
    for lang, label in (("zh-CN", "需人工查看但尚无人查看的页面"), ("en", "Pages that need a look, never looked at")):
        client.cookies.set(LANG_COOKIE, lang)
        assert label in client.get("/approvals").text, lang

    # Once the vendor's QC judged a page (passed as it is), it no longer counts.
    page = pages[0]
    item = session.get(
        InspectionItem, open_look(session, acc.project.id, page.id, page.current_image_id, acc.manager.id, utcnow())
    )
    item.verdict = "pass"
    session.add(item)
    session.commit()
    assert unlooked_pages(session, acc.project.id, rounds) == 1
