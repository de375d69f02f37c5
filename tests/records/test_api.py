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
    record_id = client.get("/api/v1/records/lookup", params={"mrn": "555", "visit": 1},
                           headers=auth.headers).json()["id"]
    pages = client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()
    assert [p["page_number"] for p in pages] == [1, 2, 4, 7]
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 5}, headers=auth.headers)
    assert r.status_code == 200
    assert r.json() | {} == {"record_id": record_id, "status": "capturing", "paper_page_count": 5,
                             "captured": 4, "complete": False, "missing": [3, 5], "extra": [7]}
    for n in (3, 5):
        upload(client, auth, page_jpeg(40 + n), page=n, mrn="555", visit=1)
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 7}, headers=auth.headers)
    assert r.json()["complete"] is True and r.json()["status"] == "finished"
    r = client.post(f"/api/v1/records/{record_id}/finish", json={"paper_page_count": 0}, headers=auth.headers)
    assert r.status_code == 422
