"""The pages-that-need-a-look routes through the real app, and their bad inputs (never a 500): the list and its
filter, opening a look (no CSRF token, a bad or missing image id, a page that needs no look, another project's page,
an image re-shot meanwhile, a role that may not inspect), the record screen's ?look filter."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.inspection.models import InspectionItem
from app.pages.models import Page, PageImage, ProcessedImage
from app.pages.processed import current_fingerprints
from tests.acceptance.helpers import T0, add_image, add_record, fake_sha, make_shop
from tests.factories import browser_sign_in, make_user


def _copy(session: Session, image: PageImage, look: bool) -> None:
    session.add(
        ProcessedImage(
            image_id=image.id,
            fingerprint=current_fingerprints(session, [image.id])[image.id],  # the copy the viewers show
            sha256=fake_sha(f"copy-{image.id}"),
            size_bytes=10,
            media_type="image/jpeg",
            width=900,
            height=1300,
            dpi=300.0,
            colour_mode="RGB",
            icc="srgb",
            needs_look=look,
        )
    )


def _pages(session: Session, record_id: int) -> list[Page]:
    return list(session.exec(select(Page).where(Page.record_id == record_id).order_by(Page.page_number)))


def test_the_look_routes_answer_every_bad_input_without_a_500(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    make_user(session, shop.project, "qc1", Role.vendor_qc)
    record = add_record(session, shop, "200001", 2, T0, finish=False)
    look_page, plain_page = _pages(session, record.id)
    _copy(session, session.get(PageImage, look_page.current_image_id), look=True)
    _copy(session, session.get(PageImage, plain_page.current_image_id), look=False)
    other = make_shop(session, code="P2")
    other_record = add_record(session, other, "200002", 1, T0, finish=False)
    (other_page,) = _pages(session, other_record.id)
    _copy(session, session.get(PageImage, other_page.current_image_id), look=True)
    session.commit()
    record_id, look_page_id, plain_page_id, other_page_id = record.id, look_page.id, plain_page.id, other_page.id
    image_id, plain_image_id, other_image_id = (
        look_page.current_image_id,
        plain_page.current_image_id,
        other_page.current_image_id,
    )
    session.rollback()  # end the read: the app's requests need SQLite's write lock
    csrf = browser_sign_in(client, "qc1")

    listed = client.get("/inspection/looks")
    assert listed.status_code == 200 and f'data-page="{look_page_id}"' in listed.text
    assert f'data-page="{plain_page_id}"' not in listed.text and f'data-page="{other_page_id}"' not in listed.text
    assert client.get("/inspection/looks?show=all").status_code == 200
    assert client.get("/inspection/looks?show=everything").status_code == 422
    overview = client.get("/inspection")
    assert overview.status_code == 200 and 'id="kpi-looks"' in overview.text

    url = f"/inspection/looks/{look_page_id}"
    assert client.post(url, data={"image_id": image_id}, follow_redirects=False).status_code == 403  # no CSRF token
    for bad in ({}, {"image_id": "abc"}, {"image_id": "0"}, {"image_id": str(2**40)}):
        assert client.post(url, data={**bad, "csrf_token": csrf}, follow_redirects=False).status_code == 422, bad
    assert client.post("/inspection/looks/abc", data={"image_id": image_id, "csrf_token": csrf}).status_code == 422
    no_look = client.post(
        f"/inspection/looks/{plain_page_id}",
        data={"image_id": plain_image_id, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert no_look.status_code == 404
    foreign = client.post(
        f"/inspection/looks/{other_page_id}",
        data={"image_id": other_image_id, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert foreign.status_code == 404
    opened = client.post(url, data={"image_id": image_id, "csrf_token": csrf}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].endswith("?back=looks")
    item_page = client.get(opened.headers["location"])
    assert item_page.status_code == 200 and 'id="needs-look"' in item_page.text
    assert 'name="back" value="looks"' in item_page.text
    assert client.get(opened.headers["location"].replace("looks", "elsewhere")).status_code == 422
    session.expire_all()
    item_id = session.exec(select(InspectionItem.id).where(InspectionItem.image_id == image_id)).one()
    session.rollback()  # end the read: the app's next request needs SQLite's write lock
    passed = client.post(
        f"/inspection/items/{item_id}",
        data={"verdict": "pass", "back": "looks", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert passed.status_code == 303 and passed.headers["location"] == "/inspection/looks"
    bad_back = client.post(
        f"/inspection/items/{item_id}",
        data={"verdict": "pass", "back": "/x", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert bad_back.status_code == 422

    # the record screen: the count, the mark and the filter; a bad filter value is a 422
    rec = client.get(f"/records/{record_id}")
    assert rec.status_code == 200 and 'id="looks-count"' in rec.text and rec.text.count('data-look="true"') == 1
    only = client.get(f"/records/{record_id}?look=true")
    assert only.status_code == 200 and f'data-page="{plain_page_id}"' not in only.text
    assert client.get(f"/records/{record_id}?look=maybe").status_code == 422

    # re-shot meanwhile: refused with the reason, back to the list
    session.expire_all()
    add_image(session, shop, session.get(Page, look_page_id), T0 + timedelta(hours=1))
    session.commit()
    session.rollback()
    stale = client.post(url, data={"image_id": image_id, "csrf_token": csrf}, follow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"].startswith("/inspection/looks")


def test_a_role_that_may_not_inspect_cannot_open_a_look(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    record = add_record(session, shop, "200003", 1, T0, finish=False)
    (page,) = _pages(session, record.id)
    _copy(session, session.get(PageImage, page.current_image_id), look=True)
    session.commit()
    csrf = browser_sign_in(client, shop.operator.username)
    r = client.post(
        f"/inspection/looks/{page.id}",
        data={"image_id": page.current_image_id, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert client.get("/inspection/looks").status_code == 403


def _stale_copy(session: Session, image: PageImage, look: bool) -> None:
    """A copy of other settings than the project's present ones, newer than the current copy: never shown."""
    session.add(
        ProcessedImage(
            image_id=image.id,
            fingerprint="other-settings",
            sha256=fake_sha(f"stale-{image.id}"),
            size_bytes=10,
            media_type="image/jpeg",
            width=800,
            height=1200,
            colour_mode="RGB",
            icc="srgb",
            needs_look=look,
        )
    )


def test_marks_list_and_count_follow_the_copy_the_viewer_shows(client: TestClient, session: Session) -> None:
    """Wrong depth (issue 16): the newest copy (other settings) says the opposite of the current one; the record
    screen's marks, the vendor QC's list and the overview's count say what the page viewer says."""
    shop = make_shop(session)
    make_user(session, shop.project, "qc1", Role.vendor_qc)
    record = add_record(session, shop, "200004", 2, T0, finish=False)
    plain_page, look_page = _pages(session, record.id)
    plain, look = (session.get(PageImage, p.current_image_id) for p in (plain_page, look_page))
    _copy(session, plain, look=False)
    _copy(session, look, look=True)
    session.flush()
    _stale_copy(session, plain, look=True)  # the newest copy of the plain page is marked
    _stale_copy(session, look, look=False)  # the newest copy of the marked page is not
    session.commit()
    record_id, plain_id, look_id = record.id, plain_page.id, look_page.id
    session.rollback()  # end the read: the app's requests need SQLite's write lock
    browser_sign_in(client, "qc1")

    viewer = {p: 'id="needs-look"' in client.get(f"/records/{record_id}/pages/{p}").text for p in (plain_id, look_id)}
    assert viewer == {plain_id: False, look_id: True}
    tiles = client.get(f"/records/{record_id}").text
    assert f'data-page="{look_id}" data-look="true"' in tiles and f'data-page="{plain_id}" data-look' not in tiles
    assert tiles.count('data-look="true"') == 1
    listed = client.get("/inspection/looks").text
    assert f'data-page="{look_id}"' in listed and f'data-page="{plain_id}"' not in listed
    overview = client.get("/inspection").text
    assert re.search(r'id="kpi-looks"><span class="kpi-value">1<', overview), overview
