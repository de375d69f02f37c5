"""Records in the browser on both backends: search, pages as thumbnails, the full-size viewer, audited images."""

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, func, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.pages.models import PageImage
from app.projects.models import Project
from app.records.models import Record
from tests.factories import make_project, page_jpeg, signed_in_station, upload
from tests.production.helpers import sign_in, web_user


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The app client with no cookies left from an earlier test."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def _events(session: Session, action: str) -> list[AuditEvent]:
    rows = list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))))
    session.rollback()  # end the read: the app's next request needs SQLite's write lock
    return rows


def _records(session: Session, project: Project, n: int) -> None:
    names = ["张敏", "张伟", "李强", "王芳", "陈静"]
    for i in range(n):
        session.add(
            Record(
                project_id=project.id,
                mrn=f"{1000 + i:07d}",
                visit=1 + i % 2,
                barcode=f"{1000 + i:07d}-{1 + i % 2}",
                patient_name=names[i % 5] + str(i),
            )
        )
    session.commit()


def test_search_by_mrn_barcode_and_name_with_pages(web: TestClient, session: Session) -> None:
    project = make_project(session)
    _records(session, project, 30)
    web_user(session, project, "cust", Role.custodian)
    sign_in(web, "cust")
    everything = web.get("/records")
    assert "共 30 份病案" in everything.text
    assert len(re.findall(r'<tr data-record="', everything.text)) == 25 and "第 1 页，共 2 页" in everything.text
    second = web.get("/records?page=2")
    assert len(re.findall(r'<tr data-record="', second.text)) == 5
    by_prefix = web.get("/records?q=000101")  # MRNs 0001010 .. 0001019
    assert len(re.findall(r'<tr data-record="', by_prefix.text)) == 10
    by_barcode = web.get("/records?q=0001005-2")
    assert re.findall(r">(000\d+)</a>", by_barcode.text) == ["0001005"] and "条码为" in by_barcode.text
    by_name = web.get("/records?q=张")
    expected = session.exec(select(func.count()).select_from(Record).where(col(Record.patient_name).like("%张%"))).one()
    session.rollback()
    assert len(re.findall(r'<tr data-record="', by_name.text)) == expected == 12
    assert (
        len(re.findall(r'<tr data-record="', web.get("/records?q=%25").text)) == 0
    )  # "%" is a character, not a wildcard
    web.get("/lang/en", follow_redirects=False)
    assert "30 records, newest first." in web.get("/records").text
    web.cookies.delete("folio_lang")


def test_record_page_shows_thumbnails_with_verdicts_and_is_audited(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    ids = [upload(web, auth, page_jpeg(20 + n, blur=3.5 if n == 2 else 0.0), page=n).json() for n in (1, 2, 3)]
    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    r = web.get(f"/records/{ids[0]['record_id']}")
    assert r.status_code == 200
    assert re.findall(r'<li class="tile tile-(pass|fail)" data-page="(\d+)">', r.text) == [
        ("pass", str(ids[0]["page_id"])),
        ("fail", str(ids[1]["page_id"])),
        ("pass", str(ids[2]["page_id"])),
    ]
    assert r.text.count('src="/pages/') == 3 and "图像模糊" in r.text  # the failed page's reason, in Chinese
    assert [e.object_id for e in _events(session, "record.view")] == [str(ids[0]["record_id"])]


def _with_exif(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "Model-X"  # Model
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes(), comment=b"patient 0042")
    return out.getvalue()


def test_thumbnail_is_a_small_jpeg_without_metadata_cached_and_audited(
    web: TestClient, session: Session, image_store: Path
) -> None:
    auth = signed_in_station(web, session)
    original = _with_exif(page_jpeg(31))
    assert b"CameraMaker" in original
    res = upload(web, auth, original, page=1).json()
    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    r = web.get(f"/pages/{res['page_id']}/thumb.jpg?version=master")  # the master (issue 16: processed by default)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"].startswith("private")
    thumb = Image.open(io.BytesIO(r.content))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320 and len(r.content) < 40_000
    assert "exif" not in thumb.info and "icc_profile" not in thumb.info and "comment" not in thumb.info
    assert b"CameraMaker" not in r.content and b"patient" not in r.content
    cached = image_store / ".thumbs" / res["sha256"][:2] / f"{res['sha256']}-thumbv2.jpg"
    assert cached.read_bytes() == r.content
    assert web.get(f"/pages/{res['page_id']}/thumb.jpg?version=master").content == r.content  # from the cache
    events = _events(session, "image.thumbnail")
    assert [e.object_id for e in events] == [str(res["image_id"])] * 2 and events[0].actor_role == "vendor_qc"


def test_full_image_is_the_original_and_every_view_is_audited(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    data = page_jpeg(32)
    res = upload(web, auth, data, page=1).json()
    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    viewer = web.get(f"/records/{res['record_id']}/pages/{res['page_id']}")
    assert viewer.status_code == 200
    assert f'src="/pages/{res["page_id"]}/image?image_id={res["image_id"]}"' in viewer.text
    assert 'data-zoom-for="page-image"' in viewer.text
    r = web.get(f"/pages/{res['page_id']}/image?version=master")  # the master itself (issue 16: processed by default)
    assert r.status_code == 200 and r.content == data and r.headers["cache-control"] == "private, no-store"
    assert [e.object_id for e in _events(session, "image.view")] == [str(res["image_id"])]


def test_tiff_pages_are_shown_as_jpeg(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    out = io.BytesIO()
    Image.open(io.BytesIO(page_jpeg(33))).save(out, "TIFF", compression="tiff_deflate")
    res = upload(web, auth, out.getvalue(), page=1, filename="p.tif")
    assert res.status_code == 201, res.text
    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    r = web.get(f"/pages/{res.json()['page_id']}/image?version=master")  # the TIFF master as a JPEG rendition
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == Image.open(io.BytesIO(page_jpeg(33))).size


def test_viewer_shows_every_shot_of_a_reshot_page(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    first = upload(web, auth, page_jpeg(34, blur=3.5), page=1).json()
    second = upload(web, auth, page_jpeg(35), page=1).json()
    assert first["page_id"] == second["page_id"] and first["verdict"] == "fail" and second["verdict"] == "pass"
    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    page = web.get(f"/records/{first['record_id']}/pages/{first['page_id']}")
    assert re.findall(r'<tr data-image="(\d+)"', page.text) == [str(first["image_id"]), str(second["image_id"])]
    assert 'id="verdict">合格<' in page.text
    old = web.get(f"/records/{first['record_id']}/pages/{first['page_id']}?image_id={first['image_id']}")
    assert "已被补拍替换" in old.text and 'id="verdict">不合格<' in old.text
    img = web.get(f"/pages/{first['page_id']}/image?image_id={first['image_id']}")
    assert img.content == page_jpeg(34, blur=3.5)


def test_custodian_sees_verdicts_but_not_images(web: TestClient, session: Session) -> None:
    auth = signed_in_station(web, session)
    res = upload(web, auth, page_jpeg(36), page=1).json()
    project = session.get(Project, auth.project_id)
    web_user(session, project, "cust", Role.custodian)
    sign_in(web, "cust")
    record = web.get(f"/records/{res['record_id']}")
    assert record.status_code == 200 and "<img" not in record.text and "tile-pass" in record.text
    assert web.get(f"/pages/{res['page_id']}/thumb.jpg").status_code == 403
    assert web.get(f"/pages/{res['page_id']}/image").status_code == 403
    assert web.get(f"/records/{res['record_id']}/pages/{res['page_id']}").status_code == 403
    assert _events(session, "image.view") == [] and _events(session, "image.thumbnail") == []


def test_another_projects_records_and_pages_are_not_found(web: TestClient, session: Session) -> None:
    other = signed_in_station(web, session, code="P2", username="op_other")
    res = upload(web, other, page_jpeg(37), page=1).json()
    mine = make_project(session, code="P1")
    web_user(session, mine, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    assert web.get(f"/records/{res['record_id']}").status_code == 404
    assert web.get(f"/pages/{res['page_id']}/thumb.jpg").status_code == 404
    assert web.get(f"/pages/{res['page_id']}/image").status_code == 404
    assert web.get(f"/records/{res['record_id']}/pages/{res['page_id']}").status_code == 404
    assert "共 0 份病案" in web.get("/records").text
    assert session.exec(select(func.count()).select_from(PageImage)).one() == 1
