"""Acceptance over HTTP: apply, seed, review, decide, report, CSV, manifest, API and the audited page images."""

import csv
import hashlib
import io
import re
import time
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.frontpage.models import FrontPage
from app.pages.models import Page
from app.pages.processed import refresh_project
from app.projects.models import Project
from tests.factories import PASSWORD, make_project, make_user, page_jpeg, signed_in_station, upload
from tests.inspection.test_api import _needs_look

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> dict:
    """Sign a user in (password and TOTP) and return their cookie jar."""
    client.cookies.clear()
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/login/second-factor")
    r = client.post(
        "/login/second-factor",
        data={"code": totp.code_at(SECRET, totp.step_of(time.time())), "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return dict(client.cookies)


def use(client: TestClient, jar: dict) -> None:
    """Continue as the user whose cookies these are."""
    client.cookies.clear()
    client.cookies.update(jar)


def _people(session: Session, project: Project) -> None:
    for username, role in (("mgr", Role.vendor_manager), ("rev", Role.reviewer), ("rev2", Role.reviewer)):
        user = make_user(session, project, username=username, role=role)
        user.totp_secret = SECRET
        session.add(user)
    session.commit()


@pytest.fixture
def shop(client: TestClient, session: Session):  # noqa: ANN201
    """A project with 3 finished records of 4 real pages each, uploaded through the station API, with front pages."""
    return make_shop_with_records(client, session)


def make_shop_with_records(client: TestClient, session: Session, *, front_pages: int = 3, held_back: bool = False):  # noqa: ANN201
    """The `shop` data; only the first `front_pages` records get front-page data; `held_back` adds a finished
    record 779999 whose page failed QC."""
    client.cookies.clear()
    auth = signed_in_station(client, session)
    project = session.get(Project, auth.project_id)
    project.sample_rate = Decimal("0.5")
    session.add(project)
    session.commit()
    images = {}
    for r in range(3):
        for n in range(1, 5):
            res = upload(client, auth, page_jpeg(10 * r + n), page=n, mrn=f"77{r:04d}")
            assert res.status_code == 201 and res.json()["verdict"] == "pass", res.text
            images[res.json()["page_id"]] = page_jpeg(10 * r + n)
        done = client.post(
            f"/api/v1/records/{res.json()['record_id']}/finish", json={"paper_page_count": 4}, headers=auth.headers
        )
        assert done.json()["complete"]
        if r < front_pages:
            session.add(
                FrontPage(
                    project_id=project.id, record_id=res.json()["record_id"], diagnosis="肺炎", diagnosis_code="J18.900"
                )
            )
    session.commit()
    if held_back:
        bad = upload(client, auth, page_jpeg(501, blur=3.5), page=1, mrn="779999")
        assert bad.json()["verdict"] == "fail"
        rid = bad.json()["record_id"]
        client.post(f"/api/v1/records/{rid}/finish", json={"paper_page_count": 1}, headers=auth.headers)
    _people(session, project)
    return project, images


def _lot_id(location: str) -> int:
    return int(re.search(r"/acceptance/lots/(\d+)", location).group(1))


def test_a_lot_from_application_to_acceptance_over_http(client: TestClient, session: Session, shop) -> None:
    project, images = shop
    for page in session.exec(select(Page).where(Page.project_id == project.id, Page.page_number == 3)):
        page.segment = "入院记录"  # pages 3-4 of each record: the package files them under 02_入院记录
        session.add(page)
    session.commit()
    segments = {p.id: p.page_number for p in session.exec(select(Page).where(Page.project_id == project.id))}
    session.commit()  # no transaction left open while the copies are made (they wait for SQLite's lock otherwise)
    client.app.state.qc.wait_later()  # the uploads' own copies made: the current ones, some marked below
    # ... every one of them (a copy the upload could not make while this test held the write lock is made here)
    refresh_project(session, client.app.state.store, client.app.state.qc.process, project, utcnow())
    session.commit()
    for page in session.exec(select(Page).where(Page.project_id == project.id, Page.page_number == 2)).all():
        _needs_look(session, page.current_image_id)  # page 2's copies need a look: marked where a neighbour
    session.commit()  # no read transaction left open while the server writes
    mgr = sign_in(client, "mgr")
    page = client.get("/acceptance")
    assert page.status_code == 200 and 'id="apply-form"' in page.text
    r = client.post(
        "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "regular"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    lot_id = _lot_id(r.headers["location"])
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    assert 'data-status="applied"' in lot_page.text and "seed-panel" not in lot_page.text  # the vendor cannot draw

    sign_in(client, "rev")
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    assert "seed-panel" in lot_page.text
    r = client.post(
        f"/acceptance/lots/{lot_id}/seed",
        data={"csrf_token": _csrf(lot_page.text), "seed": "7-7-7"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    api = client.get(f"/api/v1/lots/{lot_id}").json()
    assert api["status"] == "in_review" and api["rounds"][0]["sample_size"] == 6 and api["rounds"][0]["seed"] == "7-7-7"

    # review everything through the screens: pages pass, records all right
    csrf = _csrf(lot_page.text)
    seen_images = 0
    segment_shown: dict[str, int] = {}
    neighbours_seen = {True: 0, False: 0}  # neighbour thumbnails with and without the needs-look mark
    for _ in range(50):
        nxt = client.get(f"/acceptance/lots/{lot_id}/review", follow_redirects=False)
        target = nxt.headers["location"]
        if "/items/" in target:
            screen = client.get(target)
            assert screen.status_code == 200 and 'id="verdict-form"' in screen.text
            src = re.search(r'id="page-image" src="([^"]+)"', screen.text).group(1).replace("&amp;", "&")
            image = client.get(src + "&version=master")  # the master (the screen shows the processed page, issue 16)
            page_id = int(re.search(r"/pages/(\d+)/image", src).group(1))
            assert image.status_code == 200 and image.content == images[page_id]
            shown = re.search(r'id="page-segment">([^<]*)<', screen.text).group(1)
            assert shown == ("02_入院记录" if segments[page_id] >= 3 else "—"), (segments[page_id], shown)
            segment_shown[shown] = segment_shown.get(shown, 0) + 1
            for look, neighbour in re.findall(
                r'class="neighbour[^"]*" data-which="\w+"( data-look="true")?>\s*<img src="/pages/(\d+)/thumb',
                screen.text,
            ):
                assert bool(look) == (segments[int(neighbour)] == 2), (neighbour, look)
                neighbours_seen[bool(look)] += 1
            seen_images += 1
            thumb = re.search(r'<img src="([^"]+size=thumb)"', screen.text)
            if thumb:
                small = client.get(thumb.group(1).replace("&amp;", "&"))
                assert small.headers["content-type"] == "image/jpeg" and len(small.content) < len(images[page_id])
            assert (
                client.post(target, data={"csrf_token": csrf, "verdict": "pass"}, follow_redirects=False).status_code
                == 303
            )
        elif "/records/" in target:
            screen = client.get(target)
            assert 'id="check-form"' in screen.text
            r = client.post(target, data={"csrf_token": csrf, "paper_pages": "4"}, follow_redirects=False)
            assert r.status_code == 303
        else:
            break
    assert seen_images == 6
    assert set(segment_shown) == {"—", "02_入院记录"}, segment_shown  # both kinds sampled (seed 7-7-7)
    assert neighbours_seen[True] and neighbours_seen[False], neighbours_seen
    fourth = session.exec(select(Page).where(Page.project_id == project.id, Page.page_number == 4)).first()
    session.commit()
    record_page = client.get(f"/records/{fourth.record_id}/pages/{fourth.id}")  # the record page says it too
    assert re.search(r'id="page-segment">[^<]*02_入院记录<', record_page.text), record_page.text[:300]
    views = session.exec(select(AuditEvent).where(AuditEvent.action == "image.view")).all()
    assert len(views) >= 6 and {v.actor_role for v in views} == {"reviewer"}
    session.rollback()  # end the read: the test's session must not hold SQLite's write lock

    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    assert 'id="decide"' in lot_page.text and "100.00%" in lot_page.text
    r = client.post(f"/acceptance/lots/{lot_id}/decision", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert 'data-status="accepted"' in client.get(f"/acceptance/lots/{lot_id}").text

    report = client.get(f"/acceptance/lots/{lot_id}/rounds/1/report")
    assert report.status_code == 200 and 'id="report-decision"' in report.text
    pdf = client.get(f"/acceptance/lots/{lot_id}/rounds/1/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rows = list(
        csv.reader(io.StringIO(client.get(f"/acceptance/lots/{lot_id}/rounds/1/samples.csv").text.lstrip("\ufeff")))
    )
    assert rows[0][0] == "position" and len(rows) == 7 and {row[8] for row in rows[1:]} == {"pass"}
    manifest = client.get(f"/acceptance/lots/{lot_id}/rounds/1/manifest.txt").content
    assert hashlib.sha256(manifest).hexdigest() == api["manifest_hash"] and manifest.count(b"\n") == 12
    assert client.get(f"/api/v1/lots/{lot_id}/rounds/1/verify").json()["ok"] is True

    use(client, mgr)
    assert 'data-status="accepted"' in client.get("/acceptance").text
    client.cookies.clear()


def test_api_writes_need_the_csrf_header_and_the_right_role(client: TestClient, session: Session, shop) -> None:
    sign_in(client, "mgr")
    token = client.get("/api/v1/lots").headers["X-CSRF-Token"]
    assert client.post("/api/v1/lots", json={}).status_code == 403
    created = client.post("/api/v1/lots", json={}, headers={"X-CSRF-Token": token})
    assert created.status_code == 201 and created.json()["page_count"] == 12
    lot_id = created.json()["id"]
    # a vendor manager cannot fix the seed
    assert (
        client.post(f"/api/v1/lots/{lot_id}/seed", json={"seed": "x"}, headers={"X-CSRF-Token": token}).status_code
        == 403
    )
    assert client.post("/api/v1/lots", json={}, headers={"X-CSRF-Token": token}).json()["error"] == "nothing_to_accept"
    sign_in(client, "rev")
    token = client.get("/api/v1/lots").headers["X-CSRF-Token"]
    drawn = client.post(f"/api/v1/lots/{lot_id}/seed", json={"seed": "api"}, headers={"X-CSRF-Token": token})
    assert drawn.status_code == 200 and drawn.json()["status"] == "in_review"
    sample = client.get(f"/api/v1/lots/{lot_id}/rounds/1/sample").json()
    assert len(sample) == 6
    bad = client.post(
        f"/api/v1/lots/{lot_id}/items/{sample[0]['id']}", json={"verdict": "fail"}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 422 and bad.json()["error"] == "bad_verdict"
    client.cookies.clear()


def test_page_images_of_another_project_are_not_found(client: TestClient, session: Session, shop) -> None:
    _, images = shop
    other = make_project(session, code="P2")
    user = make_user(session, other, username="rev_other", role=Role.reviewer)
    user.totp_secret = SECRET
    session.add(user)
    session.commit()
    sign_in(client, "rev_other")
    page_id = next(iter(images))
    assert client.get(f"/pages/{page_id}/image").status_code == 404
    sign_in(client, "rev")
    assert client.get(f"/pages/{page_id}/image?version=master").content == images[page_id]
    client.cookies.clear()
    assert client.get(f"/pages/{page_id}/image", follow_redirects=False).status_code == 303


def test_screens_in_english_and_the_termination_application(client: TestClient, session: Session, shop) -> None:
    sign_in(client, "mgr")
    client.cookies.set("folio_lang", "en")
    page = client.get("/acceptance")
    # the project started on 2026-01-05 and has no lot yet: the first 3-month cycle ended on 2026-04-04
    assert "Apply for acceptance" in page.text and "An application for acceptance was due on 2026-04-04" in page.text
    r = client.post(
        "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "termination"}, follow_redirects=False
    )
    lot = client.get(r.headers["location"])
    assert "Termination" in lot.text and "Applied, waiting for the seed" in lot.text
    assert "Lot 1 is frozen and waits for the hospital&#39;s seed." in lot.text  # the flash, translated
    api = client.get("/api/v1/lots").json()[0]
    assert (
        api["kind"] == "termination"
        and (date.fromisoformat(api["review_deadline"]) - date.fromisoformat(api["applied_on"])).days == 3
    )
    again = client.post(
        "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "regular"}, follow_redirects=False
    )
    assert again.status_code == 303 and again.headers["location"] == "/acceptance"
    assert "No finished record with every page passing QC" in client.get("/acceptance").text
    client.post(
        "/acceptance/lots",
        data={"csrf_token": _csrf(page.text), "kind": "regular", "period_end": "2999-01-01"},
        follow_redirects=False,
    )
    assert "The period must end today or earlier." in client.get("/acceptance").text
    client.cookies.clear()
