"""Issue 16 (breakit-b16 #4): the delivery profile is fixed when the export is filed. The custodian's approval
screen shows it; a profile changed after approval changes nothing in the package."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.approvals import decide
from app.core.clock import utcnow
from app.core.i18n import LANG_COOKIE
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.models import DeliveryExport
from app.delivery.service import start_export
from app.delivery.verify import verify_package
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records, requested_export


def test_export_delivers_the_profile_it_was_approved_with(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, [("00012345", 2, {1: "首页"})])
    client.app.state.qc.wait_later()
    acc.project.delivery_profile = {"contents": "processed", "format": "jpeg"}
    session.add(acc.project)
    session.commit()
    target = tmp_path / "package"
    export = requested_export(session, acc, target)
    session.commit()
    assert export.profile["contents"] == "processed" and export.profile["format"] == "jpeg"

    enrol(session, acc.custodian)
    session.commit()
    sign_in(client, acc.custodian)
    for lang, label, words in (
        (
            "zh-CN",
            "移交配置",
            (
                "内容 <strong>处理后图像</strong>",
                "图像格式 <strong>JPEG</strong>",
                "病案 PDF 采用 PDF/A-2b <strong>否</strong>",
            ),
        ),
        ("en", "Delivery profile", ("Contents <strong>processed pages</strong>", "Image format <strong>JPEG</strong>")),
    ):
        client.cookies.set(LANG_COOKIE, lang)
        shown = client.get("/approvals").text
        assert label in shown and all(w in shown for w in words), lang  # in words, not `contents=processed`
        assert "contents=processed" not in shown, lang
    decide(session, export.approval_id, acc.principal(acc.custodian), approve=True, note="ok", now=utcnow())
    session.commit()

    # The manager changes the profile after the approval: the export keeps what was approved.
    acc.project.delivery_profile = {"contents": "both", "format": "tiff"}
    session.add(acc.project)
    start_export(session, acc.project, export, actor={"actor_user_id": acc.manager.id}, now=utcnow())
    session.commit()
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done"
    assert verify_package(target).ok
    assert "Folio-Delivery-Profile: contents=processed format=jpeg" in (target / "bag-info.txt").read_text()
    assert not (target / "data/masters").exists()
    images = [p.suffix for p in (target / "data/images").rglob("*") if p.is_file()]
    assert images == [".jpg", ".jpg"]
    assert session.exec(select(DeliveryExport)).one().profile["format"] == "jpeg"
