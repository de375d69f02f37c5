"""The page ingest API: verdicts, re-shoots, idempotency, and every bad input refused with nothing written."""

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.pages.models import Page, PageImage
from app.records.models import Record
from tests.factories import page_jpeg, png_bytes, signed_in_station, upload


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(Page)).one(),
            s.exec(select(func.count()).select_from(PageImage)).one(),
            s.exec(select(func.count()).select_from(Record)).one(),
        )


def _stored_files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file() and len(p.name) == 64}


def test_upload_keeps_image_and_answers_verdict(
    client: TestClient, session: Session, db: Engine, image_store: Path
) -> None:
    auth = signed_in_station(client, session)
    data = page_jpeg(1)
    r = upload(client, auth, data, page=1, segment="首页")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["verdict"] == "pass", body
    assert body["reasons"] == [] and body["replayed"] is False
    assert {"sharpness", "skew_deg"} <= set(body["metrics"])
    with Session(db) as s:
        page = s.get(Page, body["page_id"])
        image = s.get(PageImage, body["image_id"])
        assert page.current_image_id == image.id and page.segment == "首页" and page.qc_passed
        assert image.sha256 == body["sha256"] and image.media_type == "image/jpeg"
        actions = s.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "page.upload" in actions
    assert (image_store / body["sha256"][:2] / body["sha256"][2:4] / body["sha256"]).read_bytes() == data
    fetched = client.get(f"/api/v1/pages/{body['page_id']}/image", headers=auth.headers)
    assert fetched.status_code == 200 and fetched.content == data
    assert fetched.headers["content-type"] == "image/jpeg"


def test_blurred_page_fails_and_reshoot_supersedes_it(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    first = upload(client, auth, page_jpeg(2, blur=4.0), page=3)
    assert first.status_code == 201, first.text
    assert first.json()["verdict"] == "fail" and "blur" in first.json()["reasons"]
    assert first.json()["messages"][0]["code"] == "blur" and first.json()["messages"][0]["zh"]
    second = upload(client, auth, page_jpeg(3), page=3)
    assert second.status_code == 201 and second.json()["verdict"] == "pass"
    assert second.json()["page_id"] == first.json()["page_id"]
    assert second.json()["superseded_image_id"] == first.json()["image_id"]
    images = client.get(f"/api/v1/pages/{first.json()['page_id']}/images", headers=auth.headers).json()
    assert [i["id"] for i in images] == [first.json()["image_id"], second.json()["image_id"]]
    assert images[0]["superseded_at"] is not None and images[1]["superseded_at"] is None
    with Session(db) as s:
        page = s.get(Page, first.json()["page_id"])
        assert (page.current_image_id, page.image_count, page.qc_passed) == (second.json()["image_id"], 2, True)
    old = client.get(
        f"/api/v1/pages/{first.json()['page_id']}/image",
        params={"image_id": first.json()["image_id"]},
        headers=auth.headers,
    )
    assert old.status_code == 200 and old.content == page_jpeg(2, blur=4.0)


def test_same_idempotency_key_returns_same_page(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    key = uuid.uuid4().hex
    first = upload(client, auth, page_jpeg(4), page=1, key=key)
    again = upload(client, auth, page_jpeg(4), page=1, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert {k: v for k, v in again.json().items() if k != "replayed"} == {
        k: v for k, v in first.json().items() if k != "replayed"
    }
    assert _counts(db)[:2] == (1, 1)


def test_idempotent_upload_under_a_race(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    key = uuid.uuid4().hex
    data = page_jpeg(5)
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: upload(client, auth, data, page=2, key=key), range(4)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["image_id"] for r in responses}) == 1
    assert _counts(db)[:2] == (1, 1)


def test_reused_key_for_another_image_is_409(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    key = uuid.uuid4().hex
    assert upload(client, auth, page_jpeg(6), key=key).status_code == 201
    r = upload(client, auth, page_jpeg(7), key=key)
    assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused"
    assert _counts(db)[:2] == (1, 1)


def _bomb_png() -> bytes:
    # 20000 x 20000 pixels of one colour: a few dozen KB on disk, 1.2 GB decoded.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


def _eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\n"


BAD_UPLOADS = [
    pytest.param(lambda: b"", {}, 422, "empty_file", id="zero-bytes"),
    pytest.param(lambda: b"this is not an image at all", {}, 415, "unsupported_media_type", id="not-an-image"),
    pytest.param(_eps, {}, 415, "unsupported_media_type", id="eps"),
    pytest.param(lambda: page_jpeg(8)[: len(page_jpeg(8)) // 2], {}, 422, "image_truncated", id="truncated-jpeg"),
    pytest.param(
        lambda: page_jpeg(8)[:30000] + bytes(4096) + page_jpeg(8)[34096:],  # whole, its compressed data overwritten
        {},
        422,
        "undecodable_image",
        id="overwritten-jpeg",
    ),
    pytest.param(_bomb_png, {}, 413, "too_many_pixels", id="decompression-bomb"),
    pytest.param(lambda: page_jpeg(9), {"mrn": "../../etc", "visit": "1"}, 422, "bad_record_identity", id="bad-mrn"),
    pytest.param(lambda: page_jpeg(9), {"page_number": "0"}, 422, "invalid", id="page-zero"),
    pytest.param(lambda: page_jpeg(9), {"idempotency_key": "short"}, 422, "invalid", id="short-key"),
    pytest.param(lambda: page_jpeg(9), {"captured_at": "yesterday"}, 422, "invalid", id="bad-time"),
    pytest.param(
        lambda: page_jpeg(9),
        {"captured_at": "0001-01-01T00:00:00+00:00"},
        422,
        "captured_at_out_of_range",
        id="year-one",
    ),
    pytest.param(
        lambda: page_jpeg(9),
        {"captured_at": "2099-01-01T08:00:00+08:00"},
        422,
        "captured_at_out_of_range",
        id="far-future",
    ),
]


@pytest.mark.parametrize(("make", "fields", "status", "code"), BAD_UPLOADS)
def test_bad_upload_is_refused_and_writes_nothing(
    client: TestClient, session: Session, db: Engine, image_store: Path, make, fields, status, code
) -> None:
    auth = signed_in_station(client, session)
    before_files = _stored_files(image_store)
    form = {"page_number": "1", "mrn": "00012345", "visit": "1", "idempotency_key": uuid.uuid4().hex, **fields}
    r = client.post(
        "/api/v1/pages", headers=auth.headers, data=form, files={"image": ("page.jpg", make(), "image/jpeg")}
    )
    assert r.status_code == status, r.text
    assert r.json()["error"] == code and r.json()["detail"]
    assert _counts(db) == (0, 0, 0)
    assert _stored_files(image_store) == before_files


def test_png_named_jpg_is_judged_by_content(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    buf = io.BytesIO()
    Image.open(io.BytesIO(page_jpeg(10))).save(buf, "PNG")
    r = upload(client, auth, buf.getvalue(), filename="IMG_0001.jpg")
    assert r.status_code == 201, r.text
    with Session(db) as s:
        assert s.get(PageImage, r.json()["image_id"]).media_type == "image/png"


def test_too_large_body_is_413_before_reading(client: TestClient, session: Session, db: Engine, settings) -> None:
    auth = signed_in_station(client, session)
    big = b"\xff\xd8" + b"\0" * (settings.max_upload_bytes + 300 * 1024)
    r = upload(client, auth, big)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert _counts(db) == (0, 0, 0)


def test_missing_or_wrong_tokens_are_401(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    data = png_bytes()
    no_token = client.post("/api/v1/pages", data={"page_number": "1"}, files={"image": ("a.png", data)})
    assert no_token.status_code == 401 and no_token.json()["error"] == "bad_station_token"
    wrong = client.post(
        "/api/v1/pages",
        headers={**auth.headers, "Authorization": "Bearer fst_nope"},
        data={"page_number": "1"},
        files={"image": ("a.png", data)},
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "bad_station_token"
    no_operator = client.post(
        "/api/v1/pages",
        headers={"Authorization": f"Bearer {auth.station_token}"},
        data={"page_number": "1"},
        files={"image": ("a.png", data)},
    )
    assert no_operator.status_code == 401 and no_operator.json()["error"] == "operator_session_expired"
    assert client.delete("/api/v1/station/sessions/current", headers=auth.headers).status_code == 204
    after_logout = upload(client, auth, data)
    assert after_logout.status_code == 401 and after_logout.json()["error"] == "operator_session_expired"
    assert _counts(db) == (0, 0, 0)


def test_wrong_password_is_401_and_audited(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    r = client.post(
        "/api/v1/station/sessions",
        json={"username": "op1", "password": "wrong-password!"},
        headers={"Authorization": f"Bearer {auth.station_token}"},
    )
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"
    with Session(db) as s:
        failures = s.exec(
            select(AuditEvent).where(AuditEvent.action == "station.login", AuditEvent.outcome == "failure")
        ).all()
    assert len(failures) == 1


def test_other_projects_page_is_404(client: TestClient, session: Session, db: Engine) -> None:
    a = signed_in_station(client, session, code="A", username="op_a")
    b = signed_in_station(client, session, code="B", username="op_b")
    page_id = upload(client, a, page_jpeg(11)).json()["page_id"]
    assert client.get(f"/api/v1/pages/{page_id}/image", headers=a.headers).status_code == 200
    r = client.get(f"/api/v1/pages/{page_id}/image", headers=b.headers)
    assert r.status_code == 404 and r.json()["error"] == "page_not_found"
    r = client.get(f"/api/v1/pages/{page_id}/images", headers=b.headers)
    assert r.status_code == 404


def test_malformed_multipart_body_is_400(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    r = client.post(
        "/api/v1/pages",
        headers={**auth.headers, "Content-Type": "multipart/form-data"},
        content=b"no boundary, so this body cannot be split into fields",
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    assert _counts(db) == (0, 0, 0)


@pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "..\\..\\win.ini.jpg", "a/b.jpg", ".."])
def test_path_traversal_name_is_refused_and_writes_nothing(
    client: TestClient, session: Session, db: Engine, image_store: Path, name: str
) -> None:
    auth = signed_in_station(client, session)
    before = _stored_files(image_store)
    r = upload(client, auth, page_jpeg(12), filename=name)
    assert r.status_code == 422 and r.json()["error"] == "bad_filename"
    assert _counts(db) == (0, 0, 0) and _stored_files(image_store) == before


def test_ids_beyond_any_integer_column_are_not_found(client: TestClient, session: Session) -> None:
    from app.accounts.models import Role
    from app.projects.models import Project
    from tests.factories import browser_sign_in, make_user

    auth = signed_in_station(client, session)
    huge = 2**70
    assert client.get(f"/api/v1/pages/{huge}/images", headers=auth.headers).status_code == 422  # bounded in the API
    manager = make_user(session, session.get(Project, auth.project_id), username="mgr_huge", role=Role.vendor_manager)
    manager.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    session.add(manager)
    session.commit()
    browser_sign_in(client, "mgr_huge", totp_secret=manager.totp_secret)
    r = client.get(f"/acceptance/lots/{huge}")  # a page route: not found, never a server error
    assert r.status_code == 404
    client.cookies.clear()
