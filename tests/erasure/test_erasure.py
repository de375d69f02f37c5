"""Verified erasure at the end: receipt confirmed by the hospital, erasure approved by the custodian, certificate."""

import hashlib
import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts.models import Approval, Role
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.i18n import LANG_COOKIE
from app.delivery.models import DeliveryExport
from app.erasure.models import DeliveryReceipt, ErasureCertificate
from app.pages.models import PageImage, ProcessedImage
from app.projects.models import Project
from app.records.models import Record
from tests.factories import browser_sign_in, make_project, make_user, page_jpeg, signed_in_station, upload

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_erasure_runs_only_after_receipt_and_approval(
    client: TestClient, session: Session, db: Engine, image_store: Path
) -> None:
    auth = signed_in_station(client, session)
    shas = [upload(client, auth, page_jpeg(200 + n), page=n, mrn="9911").json()["sha256"] for n in (1, 2, 3)]
    client.app.state.qc.wait_later()  # issue 16: each passing page's processed copy is made after the answer
    project = session.get(Project, auth.project_id)
    manager = make_user(session, project, username="mgr", role=Role.vendor_manager)
    manager.totp_secret = SECRET
    keeper = make_user(session, project, username="keeper", role=Role.custodian)
    keeper.totp_secret = SECRET  # the custodian approves the erasure: a second factor, like every approver
    record = session.exec(select(Record).where(Record.mrn == "9911")).one()
    record.patient_name = "张三"
    export = DeliveryExport(
        project_id=project.id, status="done", target="/tmp/delivery-1", record_count=1, page_count=3
    )
    session.add_all([manager, keeper, record, export])
    session.commit()
    thumbs = image_store / ".thumbs"
    thumbs.mkdir(exist_ok=True)
    (thumbs / "x.jpg").write_bytes(b"thumb")
    cached = sum(1 for p in thumbs.rglob("*") if p.is_file())  # the upload's own renditions and ours
    assert cached >= 1

    mgr, keeper = TestClient(client.app), TestClient(client.app)  # one browser each: a TOTP code works once
    mgr_csrf = browser_sign_in(mgr, "mgr", totp_secret=SECRET)
    keeper_csrf = browser_sign_in(keeper, "keeper", totp_secret=SECRET)
    early = mgr.post("/erasure/request", data={"csrf_token": mgr_csrf})
    assert early.status_code == 409 and "erasure_refused" in early.text

    assert (
        keeper.post(
            f"/erasure/receipts/{export.id}", data={"csrf_token": keeper_csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    assert keeper.post(f"/erasure/receipts/{export.id}", data={"csrf_token": keeper_csrf}).status_code == 409

    assert (
        mgr.post(
            "/erasure/request", data={"reason": "project closed", "csrf_token": mgr_csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    with Session(db) as s:
        approval = s.exec(select(Approval).where(Approval.kind == "erasure")).one()
    assert mgr.post(f"/erasure/run/{approval.id}", data={"csrf_token": mgr_csrf}).status_code == 409  # not approved
    assert (
        mgr.post(f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": mgr_csrf}).status_code == 403
    )

    assert (
        keeper.post(
            f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": keeper_csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    assert keeper.post(f"/erasure/run/{approval.id}", data={"csrf_token": keeper_csrf}).status_code == 403

    done = mgr.post(f"/erasure/run/{approval.id}", data={"csrf_token": mgr_csrf}, follow_redirects=False)
    assert done.status_code == 303
    cert_page = mgr.get(done.headers["location"])
    assert cert_page.status_code == 200 and "删除证明" in cert_page.text
    with Session(db) as s:
        cert = s.exec(select(ErasureCertificate)).one()
        copies = set(s.exec(select(ProcessedImage.sha256)))  # the processed copies go with their masters
        assert len(copies) == 3
        assert (cert.images_erased, cert.names_erased, cert.thumbnails_erased, cert.verified) == (6, 1, cached, True)
        erased = sorted(set(shas) | copies)
        assert cert.image_list_sha256 == hashlib.sha256("".join(f"{h}\n" for h in erased).encode()).hexdigest()
        assert s.exec(select(Record).where(Record.mrn == "9911")).one().patient_name is None
        assert len(s.exec(select(PageImage)).all()) == 3  # rows, hashes and counts stay
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "erasure.run")).one().outcome == "success"
    assert not any((image_store / h[:2] / h[2:4] / h).exists() for h in erased) and not thumbs.exists()
    again = mgr.post(f"/erasure/run/{approval.id}", data={"csrf_token": mgr_csrf})
    assert again.status_code == 409  # an approval is used once
    assert re.search(r"6\s*</dd>", cert_page.text)  # 3 masters and their 3 processed copies
    client.cookies.clear()


def test_a_certificate_pdf_the_server_cannot_print_is_explained_in_the_readers_language(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without chromium the PDF link answers the error page (503 pdf_unavailable) in the reader's words, not the
    server's English reason as a bare page."""
    from app.core import pdf

    project = make_project(session)
    manager = make_user(session, project, username="mgr", role=Role.vendor_manager)
    manager.totp_secret = SECRET
    export = DeliveryExport(project_id=project.id, status="done", target="/tmp/delivery-1", record_count=1)
    now = utcnow()
    session.add_all([manager, export])
    session.flush()
    approval = Approval(
        project_id=project.id, kind="erasure", requested_by=manager.id, requested_at=now, expires_at=now
    )
    session.add(approval)
    session.flush()
    receipt = DeliveryReceipt(project_id=project.id, export_id=export.id, confirmed_by=manager.id)
    session.add(receipt)
    session.flush()
    cert = ErasureCertificate(
        project_id=project.id, approval_id=approval.id, receipt_id=receipt.id, requested_by=manager.id,
        approved_by=manager.id, run_by=manager.id, started_at=now, finished_at=now, images_erased=0,
        images_shared_kept=0, image_list_sha256="0" * 64, names_erased=0, staged_files_erased=0,
        thumbnails_erased=0, verified=True,
    )  # fmt: skip
    session.add(cert)
    session.commit()

    def no_chromium(*args: object, **kwargs: object) -> None:
        raise pdf.PdfUnavailable("chromium is not installed (/usr/bin/chromium missing)")

    monkeypatch.setattr(pdf, "html_to_pdf", no_chromium)
    browser_sign_in(client, "mgr", totp_secret=SECRET)
    words = {
        "zh-CN": "此服务器无法生成 PDF：请改为从浏览器打印此页面。",
        "en": "The PDF cannot be made on this server: print the page from the browser instead.",
    }
    for lang, sentence in words.items():
        client.cookies.set(LANG_COOKIE, lang)
        page = client.get(f"/erasure/certificates/{cert.id}/pdf")
        shown = re.search(r'id="error-detail">(.*?)</p>', page.text, flags=re.S)
        assert page.status_code == 503 and shown and sentence in unescape(shown.group(1)), page.text[:300]
        assert "pdf_unavailable" in page.text and "chromium" not in page.text
    client.cookies.clear()
