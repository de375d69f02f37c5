"""The export's page says what the custodian approved: the package profile (the one filed with the export, not the
project's present one) and how many of its pages still need a look nobody judged, in the reader's language."""

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.approvals import decide
from app.accounts.models import Approval
from app.core.clock import utcnow
from app.core.i18n import LANG_COOKIE
from app.delivery.models import DeliveryExport
from app.delivery.service import start_export
from app.inspection.looks import open_look
from app.inspection.models import InspectionItem
from app.pages.models import Page
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records, pages_needing_a_look


def _facts(html: str) -> tuple[str, int]:
    profile = re.search(r'id="export-profile">(.*?)</dd>', html, flags=re.S)
    looks = re.search(r'id="export-looks" data-count="(\d+)">(.*?)</dd>', html, flags=re.S)
    assert profile and looks, html[:3000]
    return profile.group(1) + looks.group(2), int(looks.group(1))


def _pass_look(session: Session, acc, page: Page) -> None:  # noqa: ANN001
    """The vendor's QC looks at the page and passes it as it is (committed)."""
    item_id = open_look(session, acc.project.id, page.id, page.current_image_id, acc.manager.id, utcnow())
    item = session.get(InspectionItem, item_id)
    item.verdict = "pass"
    session.add(item)
    session.commit()


def test_export_page_shows_profile_and_pages_needing_a_look(
    client: TestClient, session: Session, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, [("00012345", 3, {1: "首页"})])
    acc.project.delivery_profile = {"contents": "both", "pdfa": True}
    session.add(acc.project)
    session.commit()
    pages = pages_needing_a_look(client, session, image_store, acc, 2)  # qc found these outlines uncertain

    enrol(session, acc.manager)
    session.commit()
    token = sign_in(client, acc.manager)
    client.cookies.set(LANG_COOKIE, "zh-CN")
    r = client.post("/delivery/exports", data={"csrf_token": token, "target": str(tmp_path / "p"), "reason": ""})
    assert r.status_code == 200
    export = session.exec(select(DeliveryExport)).one()
    approval = session.get(Approval, export.approval_id)
    assert approval.payload["pages_need_look"] == 2  # what the custodian approves
    session.commit()
    url = f"/delivery/exports/{export.id}"

    # The project's profile changes after the request: the page keeps the one filed (and approved) with it.
    acc.project.delivery_profile = {"contents": "masters"}
    session.add(acc.project)
    session.commit()
    text, looks = _facts(client.get(url).text)
    assert looks == 2
    for words in ("内容", "处理后图像和原始图像", "病案 PDF 采用 PDF/A-2b", "是", "轮廓不确定：交付的是整幅画面。"):
        assert words in text, (words, text)
    assert "原始图像（拍摄所得）" not in text and "masters" not in text and "processed" not in text
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>|PDF/A-2b|JPEG|TIFF|METS", "", text)), text  # no English
    page = client.get(url).text
    assert "需人工查看但尚无人查看的页面" in page and "Pages that need a look" not in page
    client.cookies.set(LANG_COOKIE, "en")
    text, _ = _facts(client.get(url).text)
    assert "processed pages and masters" in text and "Record PDFs as PDF/A-2b" in text and "Outline uncertain" in text

    # Approved and started: the count is over the export's own pages, and drops when the vendor's QC judges one.
    decide(session, export.approval_id, acc.principal(acc.custodian), approve=True, note="ok", now=utcnow())
    acc.project.delivery_profile = {"contents": "both", "pdfa": True}  # the start checks the approved one anyway
    start_export(session, acc.project, export, actor={"actor_user_id": acc.manager.id}, now=utcnow())
    session.commit()
    assert _facts(client.get(url).text)[1] == 2
    _pass_look(session, acc, pages[0])
    text, looks = _facts(client.get(url).text)
    assert looks == 1 and ">1<" in text
    _pass_look(session, acc, pages[1])
    client.cookies.set(LANG_COOKIE, "zh-CN")
    text, looks = _facts(client.get(url).text)
    assert looks == 0 and "无" in text and "轮廓不确定" not in text
