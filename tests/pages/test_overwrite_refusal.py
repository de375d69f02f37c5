"""Issue 12 (review): a new page never lands silently on a page that already has a good image.

A station says what each upload is: reshoot=true (may replace the page's image), insert=true (opens a slot),
or reshoot=false (a new page). A new page onto a good image is refused with 409 page_has_good_image and
nothing is stored; a failed page may be replaced by a new shot; a client that does not say keeps the old rule.
"""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import page_jpeg, signed_in_station, upload


def _stored(folder: Path) -> set[str]:
    """The stored image files (masters and processed copies; the renditions cache left out)."""
    return {p.name for p in folder.rglob("*") if p.is_file() and ".thumbs" not in p.parts}


def _current(client: TestClient, auth, record_id: int) -> list[tuple[int, int, int]]:  # noqa: ANN001
    pages = client.get(f"/api/v1/records/{record_id}/pages", headers=auth.headers).json()
    return [(p["page_number"], p["current_image_id"], p["image_count"]) for p in pages]


def test_a_new_page_onto_a_good_image_is_refused_and_nothing_is_stored(
    client: TestClient, session: Session, image_store: Path
) -> None:
    auth = signed_in_station(client, session)
    first = upload(client, auth, page_jpeg(700), page=1, mrn="777", visit=1, reshoot="false")
    assert first.status_code == 201, first.text
    record_id = first.json()["record_id"]
    client.app.state.qc.wait_later()  # the first page's processed copy is made after its answer (issue 16)
    before, files = _current(client, auth, record_id), _stored(image_store)

    r = upload(client, auth, page_jpeg(701), page=1, mrn="777", visit=1, reshoot="false")
    assert r.status_code == 409 and r.json()["error"] == "page_has_good_image", r.text
    assert _current(client, auth, record_id) == before and _stored(image_store) == files
    # the same record reached by its barcode is the same page 1
    client.post("/api/v1/records", json={"mrn": "777", "visit": 1, "barcode": "777-1"}, headers=auth.headers)
    by_code = upload(client, auth, page_jpeg(702), page=1, mrn="", visit="", barcode="777-1", reshoot="false")
    assert by_code.status_code == 409 and by_code.json()["error"] == "page_has_good_image", by_code.text
    assert _current(client, auth, record_id) == before and _stored(image_store) == files


def test_a_reshoot_an_insert_and_a_new_page_onto_a_failed_image_still_pass(
    client: TestClient, session: Session
) -> None:
    auth = signed_in_station(client, session)
    good = upload(client, auth, page_jpeg(710), page=1, mrn="778", visit=1, reshoot="false").json()
    failed = upload(client, auth, page_jpeg(711, blur=4.0), page=2, mrn="778", visit=1, reshoot="false").json()
    assert (good["verdict"], failed["verdict"]) == ("pass", "fail")
    # a failed page is re-shot in place by a plain next shot
    again = upload(client, auth, page_jpeg(712), page=2, mrn="778", visit=1, reshoot="false")
    assert again.status_code == 201 and again.json()["superseded_image_id"] == failed["image_id"]
    # `r 1` / `p 1` + `y`: the station flags the shot as a re-shoot
    redo = upload(client, auth, page_jpeg(713), page=1, mrn="778", visit=1, reshoot="true")
    assert redo.status_code == 201 and redo.json()["superseded_image_id"] == good["image_id"]
    # `i 1`: the slot opens with the shot, nothing is overwritten
    missed = upload(client, auth, page_jpeg(714), page=1, mrn="778", visit=1, reshoot="false", insert="true")
    assert missed.status_code == 201 and missed.json()["superseded_image_id"] is None
    numbers = [n for n, _, _ in _current(client, auth, good["record_id"])]
    assert numbers == [1, 2, 3]
    # a client that does not say what the upload is (a script, an older station) keeps the old rule
    legacy = upload(client, auth, page_jpeg(715), page=3, mrn="778", visit=1)
    assert legacy.status_code == 201 and legacy.json()["superseded_image_id"] is not None


def test_a_replay_of_a_kept_new_page_is_not_refused(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    first = upload(client, auth, page_jpeg(720), page=1, mrn="779", visit=1, key="new-page-key-1", reshoot="false")
    again = upload(client, auth, page_jpeg(720), page=1, mrn="779", visit=1, key="new-page-key-1", reshoot="false")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["image_id"] == first.json()["image_id"]
