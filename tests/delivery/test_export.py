"""The delivery package: accepted records only, named by the template, lossless PDFs with the right page counts,
indexes, a BagIt bag that both `folio delivery verify` and the bagit library accept; approval; resume."""

import csv
import hashlib
import io
import threading
from pathlib import Path

import bagit
import pikepdf
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.approvals import ApprovalNotUsable
from app.core.clock import utcnow
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.exceptions import ExportRefused
from app.delivery.models import DeliveryExport, DeliveryRecord
from app.delivery.service import effective_status, preflight, request_export, start_export
from app.delivery.verify import verify_package
from app.frontpage.service import enter_front_page
from app.records.models import Record
from tests.delivery.helpers import Accepted, accepted_records, approved_export


def _run(db, image_store: Path, export_id: int, **kw):
    return runner.run_export(db, LocalImageStore(image_store), export_id, **kw)


def test_delivery_of_accepted_records_verifies(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, extra_unaccepted=True)
    first = acc.records[0]
    enter_front_page(
        session,
        first,
        {
            "name": "张三",
            "discharge_date": "2024-03-15",
            "diagnosis": "急性阑尾炎",
            "diagnosis_code": "K35.800",
            "operation": "阑尾切除术",
            "operation_code": "47.09",
        },
        user_id=acc.manager.id,
        actor={},
        today=utcnow().date(),
        now=utcnow(),
    )
    session.commit()
    ready = preflight(session, acc.project, utcnow().date())
    assert (ready.lots, ready.records, ready.pages, ready.incomplete_total) == (1, 3, 9, 0)
    assert ready.without_front_page == 2

    target = tmp_path / "package"
    export = approved_export(session, acc, target)
    seen = []
    result = _run(db, image_store, export.id, on_progress=seen.append)
    assert result.status == "done" and (result.records_done, result.pages_done) == (3, 9)
    assert seen[-1].pages_done == 9

    # The image library follows the default template; the unaccepted record is not in it.
    images = sorted(
        p.relative_to(target / "data" / "images").as_posix() for p in (target / "data" / "images").rglob("*.jpg")
    )
    assert images == [
        "00012345_1/01_首页/00012345_1_0001.jpg",
        "00012345_1/02_入院记录/00012345_1_0002.jpg",
        "00012345_1/02_入院记录/00012345_1_0003.jpg",
        "00012345_1/05_医嘱单/00012345_1_0004.jpg",
        "00012346_1/01_首页/00012346_1_0001.jpg",
        "00012346_1/01_首页/00012346_1_0002.jpg",
        "00012346_1/08_其他/00012346_1_0003.jpg",
        "00012347_1/01_首页/00012347_1_0001.jpg",
        "00012347_1/01_首页/00012347_1_0002.jpg",
    ]
    # Bytes are the stored images, unchanged.
    stored = LocalImageStore(image_store)
    copy = (target / "data/images/00012345_1/01_首页/00012345_1_0001.jpg").read_bytes()
    assert stored.path_of(hashlib.sha256(copy).hexdigest()).read_bytes() == copy

    # One PDF per record, as many pages as images, each page the JPEG itself (lossless: DCTDecode, same bytes).
    for mrn, pages in (("00012345", 4), ("00012346", 3), ("00012347", 2)):
        with pikepdf.open(target / "data" / "pdf" / f"{mrn}_1.pdf") as pdf:
            assert len(pdf.pages) == pages
            if mrn == "00012345":
                xobject = next(iter(pdf.pages[0].get_images().values()))
                assert xobject.Filter == "/DCTDecode" and xobject.read_raw_bytes() == copy

    # Indexes: the front-page fields as CSV and XLSX, every page in pages.csv.
    rows = list(csv.reader(io.StringIO((target / "data/index/frontpage.csv").read_text("utf-8-sig"))))
    assert rows[1][:10] == [
        "00012345",
        "1",
        "张三",
        "2024-03-15",
        "急性阑尾炎",
        "K35.800",
        "阑尾切除术",
        "47.09",
        "4",
        "pdf/00012345_1.pdf",
    ]
    assert [r[0] for r in rows[1:]] == ["00012345", "00012346", "00012347"]
    sheet = load_workbook(target / "data/index/frontpage.xlsx").active
    assert [c.value for c in sheet[2]][:3] == ["00012345", 1, "张三"]
    assert len((target / "data/index/pages.csv").read_text("utf-8-sig").splitlines()) == 10

    # Both verifiers accept the bag; nothing temporary is left behind.
    report = verify_package(target)
    assert report.ok, report.problems
    assert (report.records, report.pages) == (3, 9)
    bag = bagit.Bag(str(target))
    bag.validate()  # raises BagValidationError on any missing, extra or altered file
    assert bag.info["Payload-Oxum"] == f"{report.bytes}.{report.files}"
    assert not list(target.rglob("*.part"))
    session.expire_all()
    done = session.get(DeliveryExport, export.id)
    assert done.payload_sha256 == hashlib.sha256((target / "manifest-sha256.txt").read_bytes()).hexdigest()


def test_verify_finds_altered_missing_and_extra_files(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, records=[("00012345", 2, {1: "首页"})])
    target = tmp_path / "pkg"
    export = approved_export(session, acc, target)
    assert _run(db, image_store, export.id).status == "done"
    page = target / "data/images/00012345_1/01_首页/00012345_1_0002.jpg"
    good = page.read_bytes()
    page.write_bytes(good[:-10] + b"0123456789")  # same size: only the full mode's SHA-256 sees it
    assert verify_package(target, fast=True).ok
    problems = verify_package(target).problems
    assert problems == [
        "data/images/00012345_1/01_首页/00012345_1_0002.jpg does not match its SHA-256 (altered or damaged)"
    ]
    (target / "data/images/stray.jpg").write_bytes(b"x")
    (target / "data/pdf/00012345_1.pdf").unlink()
    for fast in (True, False):
        problems = verify_package(target, fast=fast).problems
        assert "data/images/stray.jpg is not in the manifest" in problems
        assert "data/pdf/00012345_1.pdf is missing" in problems
        assert any("Payload-Oxum" in p for p in problems)  # bagit's own verdict on count and bytes
        assert (
            "SHA-256 not checked: the file list is wrong (fix the files above, then verify again)" in problems
        ) != fast
    page.write_bytes(good)
    (target / "data/images/stray.jpg").unlink()
    assert "data/pdf/00012345_1.pdf is missing" in verify_package(target).problems
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(target)).validate()


def test_verify_says_what_is_wrong_with_a_folder_that_is_no_bag(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    report = verify_package(tmp_path)
    assert not report.ok and report.problems[0].startswith("not a valid BagIt bag")


def test_an_interrupted_export_resumes_where_it_stopped(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path, monkeypatch
) -> None:
    acc = accepted_records(client, session)
    target = tmp_path / "pkg"
    export = approved_export(session, acc, target)
    monkeypatch.setattr(runner, "BATCH", 1)
    stop = threading.Event()
    first = _run(db, image_store, export.id, on_progress=lambda p: stop.set(), stop=stop)
    assert first.status == "queued" and first.records_done == 1  # stopped after one record, to be resumed

    # Then a worker dies in the middle of a record: a half-written file, the export still "running", silent.
    (target / "data/images/00012346_1/01_首页").mkdir(parents=True)
    (target / "data/images/00012346_1/01_首页/.00012346_1_0001.jpg.part").write_bytes(b"half")
    (target / "data/pdf/.00012399_1.pdf.part").write_bytes(b"%PDF-half")  # a record since renamed
    written = {r.record_id for r in session.exec(select(DeliveryRecord).where(DeliveryRecord.done))}
    session.execute(
        update(DeliveryExport)
        .where(col(DeliveryExport.id) == export.id)
        .values(status="running", heartbeat_at=utcnow(), worker="gone")
    )
    session.commit()
    assert _run(db, image_store, export.id).status == "running"  # a live worker holds it: no second writer
    session.execute(
        update(DeliveryExport)
        .where(col(DeliveryExport.id) == export.id)
        .values(heartbeat_at=utcnow().replace(year=2020))
    )
    session.commit()
    session.expire_all()
    assert effective_status(session.get(DeliveryExport, export.id), utcnow()) == "interrupted"
    session.commit()
    second = _run(db, image_store, export.id)
    assert second.status == "done" and second.records_done == 3
    session.expire_all()
    again = {r.record_id for r in session.exec(select(DeliveryRecord).where(DeliveryRecord.done))}
    assert written < again  # the first record was not written twice (its row was already done)
    assert verify_package(target).ok and not list(target.rglob("*.part"))
    bagit.Bag(str(target)).validate()


def test_export_needs_approval_complete_segments_and_accepted_work(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, records=[("00012345", 2, {2: "首页"})])  # page 1 has no segment
    ready = preflight(session, acc.project, utcnow().date())
    assert ready.incomplete_total == 1 and ready.incomplete[0].unsegmented == 1
    with pytest.raises(ExportRefused, match="without a segment"):
        request_export(
            session,
            acc.project,
            Accepted.principal(acc.manager),
            target=str(tmp_path / "p"),
            reason="",
            image_store=None,
            now=utcnow(),
        )
    session.rollback()
    record = session.exec(select(Record)).one()
    from app.delivery.segments import assign_range

    assign_range(
        session, record, first=1, last=1, segment="首页", segments=list(ready_segments()), actor={}, now=utcnow()
    )
    session.commit()
    with pytest.raises(ExportRefused, match="not an empty folder"):
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("x")
        request_export(
            session,
            acc.project,
            Accepted.principal(acc.manager),
            target=str(tmp_path / "full"),
            reason="",
            image_store=None,
            now=utcnow(),
        )
    session.rollback()
    export = request_export(
        session,
        acc.project,
        Accepted.principal(acc.manager),
        target=str(tmp_path / "p"),
        reason="",
        image_store=None,
        now=utcnow(),
    )
    session.commit()
    with pytest.raises(ApprovalNotUsable):  # not approved yet
        start_export(session, acc.project, export, actor={}, now=utcnow())
    session.rollback()


def ready_segments() -> tuple[str, ...]:
    from app.delivery.naming import DEFAULT_SEGMENTS

    return DEFAULT_SEGMENTS
