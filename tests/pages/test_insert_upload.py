"""Issue 12: a missed page is inserted together with its image — the pages move only when the image is kept."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.pages.models import RecordOperation
from tests.factories import page_jpeg, signed_in_station, upload


def _pages(client: TestClient, auth, record_id: int) -> list[tuple[int, str]]:  # noqa: ANN001
    pages = client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()
    return [(p["page_number"], p["current_image_id"]) for p in pages]


def _four_pages(client: TestClient, auth) -> tuple[int, list[int]]:  # noqa: ANN001
    images = []
    for n in range(1, 5):
        r = upload(client, auth, page_jpeg(300 + n), page=n, mrn="555", visit=1)
        assert r.status_code == 201, r.text
        images.append(r.json()["image_id"])
    return r.json()["record_id"], images


def test_insert_upload_moves_later_pages_up_and_stores_the_missed_page_in_one_step(
    client: TestClient, session: Session, db: Engine
) -> None:
    auth = signed_in_station(client, session)
    record_id, images = _four_pages(client, auth)
    key = "insert-upload-0001"
    r = upload(client, auth, page_jpeg(399), page=2, mrn="555", visit=1, key=key, insert="true")
    assert r.status_code == 201, r.text
    missed = r.json()["image_id"]
    assert r.json()["page_number"] == 2 and r.json()["superseded_image_id"] is None
    after = [(1, images[0]), (2, missed), (3, images[1]), (4, images[2]), (5, images[3])]
    assert _pages(client, auth, record_id) == after
    # the same upload again (its answer was lost): nothing moves a second time
    again = upload(client, auth, page_jpeg(399), page=2, mrn="555", visit=1, key=key, insert="true")
    assert again.status_code == 200 and again.json()["image_id"] == missed
    assert _pages(client, auth, record_id) == after
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(RecordOperation)).one() == 1
        assert "record.page_insert" in s.exec(select(AuditEvent.action)).all()


def test_a_refused_insert_upload_moves_nothing(client: TestClient, session: Session, db: Engine) -> None:
    auth = signed_in_station(client, session)
    record_id, images = _four_pages(client, auth)
    before = _pages(client, auth, record_id)
    broken = upload(client, auth, b"\xff\xd8not a jpeg", page=2, mrn="555", visit=1, insert="true")
    assert broken.status_code in (415, 422) and "error" in broken.json()
    beyond = upload(client, auth, page_jpeg(398), page=9, mrn="555", visit=1, insert="true")
    assert beyond.status_code == 404 and beyond.json()["error"] == "page_number_not_found"
    assert _pages(client, auth, record_id) == before
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(RecordOperation)).one() == 0


def test_insert_at_the_end_is_an_ordinary_new_page(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    record_id, images = _four_pages(client, auth)
    r = upload(client, auth, page_jpeg(397), page=5, mrn="555", visit=1, insert="true")
    assert r.status_code == 201, r.text
    assert [n for n, _ in _pages(client, auth, record_id)] == [1, 2, 3, 4, 5]
