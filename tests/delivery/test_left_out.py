"""The delivery never dies for one page: a record whose files cannot be written is left out with its reason, the
rest of the lot is exported as a valid bag, the manager sees the list and writes those records again after a fix."""

import io
import time
from pathlib import Path

import bagit
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.exceptions import ExportStateError
from app.delivery.failures import failure_detail
from app.delivery.models import DeliveryExport, DeliveryRecord
from app.delivery.retry import left_out_records, retry_left_out
from app.delivery.verify import verify_package
from app.pages.models import Page, PageImage
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records, approved_export
from tests.pages.variants import pdf_pages, same_picture


def _stored_path(db, image_store: Path, mrn: str, page_number: int) -> Path:
    from app.records.models import Record

    with Session(db) as s:  # a plain read: the export worker needs SQLite's write lock
        sha256 = s.exec(
            select(PageImage.sha256)
            .join(Page, col(Page.current_image_id) == col(PageImage.id))
            .join(Record, col(Record.id) == col(Page.record_id))
            .where(Record.mrn == mrn, Page.page_number == page_number)
        ).one()
    return LocalImageStore(image_store).path_of(sha256)


def _export_and_image(client, session, db, image_store: Path, tmp_path: Path, mrn: str, page_number: int):  # noqa: ANN202
    """Accepted records, an approved export, and the stored file (with its bytes) of one page."""
    acc = accepted_records(client, session)
    # The masters themselves (a processed copy made before the damage would be delivered intact; issue 16)
    acc.project.delivery_profile = {"contents": "masters"}
    session.add(acc.project)
    session.commit()
    target = tmp_path / "package"
    export = approved_export(session, acc, target)
    path = _stored_path(db, image_store, mrn, page_number)
    return acc, export, target, path, path.read_bytes()


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_one_bad_record_is_left_out_and_the_rest_exported(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path, damage: str
) -> None:
    acc, export, target, path, original = _export_and_image(client, session, db, image_store, tmp_path, "00012346", 2)
    if damage == "altered":
        path.write_bytes(original[:-10] + b"\x00" * 10)
    else:
        path.unlink()

    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and (result.records_done, result.pages_done) == (2, 6)
    left = left_out_records(session, export.id)
    session.rollback()
    assert [(r.mrn, r.pages) for r in left] == [("00012346", 3)]
    assert "00012346_1 page 2" in left[0].reason
    assert ("does not match its digest" if damage == "altered" else "image file missing") in left[0].reason
    assert not (target / "data" / "images" / "00012346_1").exists()  # nothing of it in the package
    assert not (target / "data" / "pdf" / "00012346_1.pdf").exists()
    report = verify_package(target)
    assert report.ok, report.problems
    assert (report.records, report.pages) == (2, 6)
    bag = bagit.Bag(str(target))
    bag.validate()
    assert bag.info["Folio-Records-Left-Out"] == "1"
    frontpage = (target / "data/index/frontpage.csv").read_text("utf-8-sig")
    assert "00012345" in frontpage and "00012346" not in frontpage
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "delivery.record_failed")).all()
    assert len(events) == 1 and events[0].detail["error"] == failure_detail(left[0].reason)
    session.rollback()

    # After the fix (the image restored from backup), the manager writes the left-out records again.
    path.write_bytes(original)
    retry_left_out(
        session, session.get(DeliveryExport, export.id), actor={"actor_user_id": acc.manager.id}, now=utcnow()
    )
    session.commit()
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and (result.records_done, result.pages_done) == (3, 9)
    assert left_out_records(session, export.id) == []
    session.rollback()
    report = verify_package(target)
    assert report.ok, report.problems
    assert (report.records, report.pages) == (3, 9)
    assert "Folio-Records-Left-Out" not in bagit.Bag(str(target)).info
    bagit.Bag(str(target)).validate()
    session.rollback()
    with pytest.raises(ExportStateError):  # nothing left out any more
        retry_left_out(session, session.get(DeliveryExport, export.id), actor={}, now=utcnow())


def test_manager_sees_the_left_out_records_and_reruns_them(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc, export, target, path, original = _export_and_image(client, session, db, image_store, tmp_path, "00012347", 1)
    path.unlink()
    runner.run_export(db, LocalImageStore(image_store), export.id)
    session.rollback()
    enrol(session, acc.manager)
    session.commit()
    token = sign_in(client, acc.manager)
    page_url = f"/delivery/exports/{export.id}"
    page = client.get(page_url)
    assert 'id="left-out"' in page.text and 'class="left-out-record"' in page.text
    assert (
        "00012347" in page.text and "图像库中缺少第 1 页的图像文件" in page.text and 'id="retry-left-out"' in page.text
    )
    assert client.get(f"{page_url}/progress").json()["records_failed"] == 1

    path.write_bytes(original)
    r = client.post(f"{page_url}/retry", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = client.get(f"{page_url}/progress").json()
        if progress["status"] in ("done", "failed") and progress["records_failed"] == 0:
            break
        time.sleep(0.2)
    assert progress["status"] == "done" and progress["records_done"] == 3, progress
    assert 'id="left-out"' not in client.get(page_url).text
    assert verify_package(target).ok
    rows = session.exec(select(DeliveryRecord).where(DeliveryRecord.export_id == export.id)).all()
    assert all(r.done and r.error is None for r in rows)


def test_mirrored_exif_page_is_delivered_right_way_round(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    """The issue's first example end to end: EXIF orientation 2..7 pages in a lot; the whole lot is exported and
    each record's PDF page shows the page upright."""
    from tests.factories import page_jpeg
    from tests.pages.variants import UNDO, exif_bytes

    images, wants = {}, {}
    for n, orientation in enumerate((2, 4, 5, 7), start=1):
        upright = Image.open(io.BytesIO(page_jpeg(40 + n)))
        out = io.BytesIO()
        upright.transpose(UNDO[orientation]).save(out, "JPEG", quality=92, exif=exif_bytes(orientation))
        images[("00012345", n)] = out.getvalue()
        wants[n] = np.asarray(upright.convert("RGB"))
    acc = accepted_records(client, session, records=[("00012345", 4, {1: "首页"})], images=images)
    acc.project.delivery_profile = {"contents": "masters"}  # the camera's frames (processed pages: issue 16's tests)
    session.add(acc.project)
    session.commit()
    target = tmp_path / "package"
    export = approved_export(session, acc, target)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and (result.records_done, result.pages_done) == (1, 4), result
    pages = pdf_pages((target / "data/pdf/00012345_1.pdf").read_bytes())
    assert len(pages) == 4
    for n, got in enumerate(pages, start=1):
        ok, why = same_picture(got, wants[n])
        assert ok, f"page {n}: {why}"
    # The image library keeps the camera's files byte for byte.
    assert (target / "data/images").rglob("*.jpg")
    assert verify_package(target).ok
