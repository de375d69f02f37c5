"""Records through the API: create or find, by barcode, list pages, finish with missing and extra pages."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import page_jpeg, signed_in_station, upload


def test_open_record_by_barcode_then_find_it(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    created = client.post("/api/v1/records", json={"barcode": "00777001-2"}, headers=auth.headers)
    assert created.status_code == 201, created.text
    assert (created.json()["mrn"], created.json()["visit"], created.json()["status"]) == ("00777001", 2, "registered")
    again = client.post("/api/v1/records", json={"mrn": "00777001", "visit": 2}, headers=auth.headers)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    found = client.get("/api/v1/records/lookup", params={"barcode": "00777001-2"}, headers=auth.headers)
    assert found.json()["id"] == created.json()["id"]
    missing = client.get("/api/v1/records/lookup", params={"mrn": "999", "visit": 1}, headers=auth.headers)
    assert missing.status_code == 404 and missing.json()["error"] == "record_not_found"
    bad = client.post("/api/v1/records", json={"barcode": "not a record"}, headers=auth.headers)
    assert bad.status_code == 422 and bad.json()["error"] == "bad_record_identity"


def test_finish_lists_missing_and_extra_pages(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    for n in (1, 2, 4, 7):
        assert upload(client, auth, page_jpeg(20 + n), page=n, mrn="555", visit=1).status_code == 201
    record_id = client.get("/api/v1/records/lookup", params={"mrn": "555", "visit": 1}, headers=auth.headers).json()[
        "id"
    ]
    pages = client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()
    assert [p["page_number"] for p in pages] == [1, 2, 4, 7]
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 5}, headers=auth.headers)
    assert r.status_code == 200
    assert r.json() | {} == {
        "record_id": record_id,
        "status": "capturing",
        "paper_page_count": 5,
        "captured": 4,
        "complete": False,
        "missing": [3, 5],
        "extra": [7],
    }
    for n in (3, 5, 6):
        assert upload(client, auth, page_jpeg(40 + n), page=n, mrn="555", visit=1).status_code == 201
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 7}, headers=auth.headers)
    assert r.json()["complete"] is True and r.json()["status"] == "finished"
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 0}, headers=auth.headers)
    assert r.status_code == 422


def _record_pages(client: TestClient, auth, record_id: int) -> list[int]:
    return [p["page_number"] for p in client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()]


def test_delete_and_insert_renumber_pages_once_per_key(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    ids = {}
    for n in (1, 2, 3, 4):
        ids[n] = upload(client, auth, page_jpeg(60 + n), page=n, mrn="777", visit=1).json()["page_id"]
    record_id = client.get("/api/v1/records/lookup", params={"mrn": "777", "visit": 1}, headers=auth.headers).json()[
        "id"
    ]
    op = {"key": "delete-key-0001", "op": "delete", "page_number": 2}
    first = client.post(f"/api/v1/records/{record_id}/operations", json=op, headers=auth.headers)
    assert first.status_code == 200 and first.json()["pages"] == [1, 2, 3]
    again = client.post(f"/api/v1/records/{record_id}/operations", json=op, headers=auth.headers)
    assert again.json() == first.json()
    pages = client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()
    assert [(p["id"], p["page_number"]) for p in pages] == [(ids[1], 1), (ids[3], 2), (ids[4], 3)]
    ins = client.post(
        f"/api/v1/records/{record_id}/operations",
        json={"key": "insert-key-0001", "op": "insert", "page_number": 2},
        headers=auth.headers,
    )
    assert ins.json()["pages"] == [1, 3, 4]
    missed = upload(client, auth, page_jpeg(70), page=2, mrn="777", visit=1)
    assert missed.status_code == 201 and missed.json()["superseded_image_id"] is None
    assert _record_pages(client, auth, record_id) == [1, 2, 3, 4]
    reused = client.post(
        f"/api/v1/records/{record_id}/operations",
        json={"key": "delete-key-0001", "op": "delete", "page_number": 1},
        headers=auth.headers,
    )
    assert reused.status_code == 409 and reused.json()["error"] == "operation_key_reused"
    nothing = client.post(
        f"/api/v1/records/{record_id}/operations",
        json={"key": "delete-key-0002", "op": "delete", "page_number": 9},
        headers=auth.headers,
    )
    assert nothing.status_code == 404 and nothing.json()["error"] == "page_number_not_found"
    assert _record_pages(client, auth, record_id) == [1, 2, 3, 4]


def test_a_barcode_belongs_to_one_record(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    assert client.post("/api/v1/records", json={"barcode": "00123456-2"}, headers=auth.headers).status_code == 201
    clash = client.post(
        "/api/v1/records", json={"mrn": "00123456", "visit": 998, "barcode": "00123456-2"}, headers=auth.headers
    )
    assert clash.status_code == 409 and clash.json()["error"] == "barcode_in_use"
    other = client.post("/api/v1/records", json={"mrn": "00123456", "visit": 2, "barcode": "X-9"}, headers=auth.headers)
    assert other.status_code == 409
    strict = client.post("/api/v1/records", json={"mrn": "1", "visit": True}, headers=auth.headers)
    assert strict.status_code == 422
