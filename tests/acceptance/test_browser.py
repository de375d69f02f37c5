"""A lot in the browser against a real `folio serve`: application, seed, keyboard review, rejection, correction,
a second round, acceptance; and a lot left past its deadline shows as deemed accepted. Screenshots are saved."""

import time
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.acceptance.models import Lot, ReviewRound
from app.accounts import totp
from app.core.db import make_engine, writing
from app.frontpage.models import FrontPage
from app.projects.models import Project
from app.records.models import Record
from tests.conftest import shot
from tests.factories import page_jpeg
from tests.live import LiveServer, time_today

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "live-password-1"
RECORDS = ("880001", "880002", "880003")
PAGES = 5


def _confirm_next(pg) -> list[str]:  # noqa: ANN001
    """Accept the next confirmation dialog (a lot application or decision asks first); returns its message."""
    messages: list[str] = []

    def accept(dialog) -> None:  # noqa: ANN001
        messages.append(dialog.message)
        dialog.accept()

    pg.once("dialog", accept)
    return messages


def _station(server: LiveServer, prov) -> dict[str, str]:  # noqa: ANN001
    r = httpx.post(
        f"{server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}


def _upload(server: LiveServer, headers: dict, mrn: str, page: int, seed: int) -> dict:
    r = httpx.post(
        f"{server.base_url}/api/v1/pages",
        headers=headers,
        timeout=60,
        data={"page_number": str(page), "mrn": mrn, "visit": "1", "idempotency_key": uuid.uuid4().hex},
        files={"image": ("p.jpg", page_jpeg(seed), "image/jpeg")},
    )
    assert r.status_code in (200, 201) and r.json()["verdict"] == "pass", r.text
    return r.json()


def _capture_record(server: LiveServer, headers: dict, mrn: str, seed: int) -> None:
    for n in range(1, PAGES + 1):
        answer = _upload(server, headers, mrn, n, seed + n)
    done = httpx.post(
        f"{server.base_url}/api/v1/records/{answer['record_id']}/finish",
        json={"paper_page_count": PAGES},
        headers=headers,
    )
    assert done.json()["complete"], done.text


def _sign_in(browser, server: LiveServer, username: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server.base_url}/login")
    pg.fill("#username", username)
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    pg.wait_for_url("**/login/second-factor**")
    pg.fill("#code", totp.code_at(SECRET, totp.step_of(time.time())))
    pg.click("main button[type=submit]")
    pg.wait_for_load_state()
    assert "/login" not in pg.url, pg.content()[:500]
    return context, pg


def _status(pg) -> str:  # noqa: ANN001
    return pg.get_attribute("#lot-status", "data-status")


def _review_with_keyboard(pg, lot_url: str, *, fail_first: bool, name: str) -> tuple[int, int]:  # noqa: ANN001
    """Work through the reviewer's tasks with keys only; returns (pages judged, records checked)."""
    pg.click("#start-review")
    judged = checked = 0
    for _ in range(60):
        pg.wait_for_load_state()
        if "/items/" in pg.url:
            pg.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
            if judged == 0:
                pg.keyboard.press("+")
                pg.keyboard.press("+")
                assert pg.get_attribute("#viewer", "data-zoom") != "fit"
                shot(pg, f"{name}-review-zoomed")
                pg.keyboard.press("0")
                assert pg.get_attribute("#viewer", "data-zoom") == "fit"
            if fail_first and judged == 0:
                here = pg.url
                with pg.expect_navigation():
                    pg.keyboard.press("ArrowRight")  # the next sampled page…
                assert pg.url != here
                with pg.expect_navigation():
                    pg.keyboard.press("ArrowLeft")  # …and back
                assert pg.url == here
                pg.keyboard.press("1")  # blurred
                pg.keyboard.press("7")  # does not match the paper
                assert pg.is_checked("input[value=blurred]") and pg.is_checked("input[value=mismatch]")
                shot(pg, f"{name}-review-failing")
                with pg.expect_navigation():
                    pg.keyboard.press("f")
            elif fail_first and judged == 1:
                pg.keyboard.press("9")  # other: needs a note
                pg.keyboard.press("f")
                assert pg.evaluate("document.activeElement.id") == "note"  # held back until the note is written
                pg.keyboard.type("stain on the page")
                with pg.expect_navigation():
                    pg.keyboard.press("Enter")
            else:
                with pg.expect_navigation():
                    pg.keyboard.press("p" if judged % 2 else "Enter")
            judged += 1
        elif "/records/" in pg.url:
            if checked == 0:
                if fail_first:
                    pg.keyboard.press("2")  # the MRN on the front page is wrong
                    assert pg.is_checked("input[value=mrn_ok]")
                # The recorded front page stands beside each field, to compare with the paper.
                assert pg.inner_text("#recorded-fields .recorded[data-field=diagnosis]").startswith("急性阑尾炎")
                assert not pg.is_visible("#no-front-page")
                shot(pg, f"{name}-record-check")
            with pg.expect_navigation():
                pg.keyboard.press("Enter")
            checked += 1
        else:
            break
    assert pg.url.rstrip("/").endswith(lot_url), pg.url
    return judged, checked


def test_a_lot_through_two_rounds_in_the_browser(live_server: LiveServer, browser) -> None:  # noqa: ANN001
    prov = live_server.provision()
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project)).one()
        project.sample_rate = Decimal("0.4")  # 15 pages → 6 sampled, enough to see the thirds
        s.add(project)
        s.commit()
    for username, role in (("mgr", "vendor_manager"), ("rev1", "reviewer"), ("rev2", "reviewer")):
        live_server.add_user(prov.project_code, username, role, password=PASSWORD, totp_secret=SECRET)
    live_server.start()
    headers = _station(live_server, prov)
    for i, mrn in enumerate(RECORDS):
        _capture_record(live_server, headers, mrn, 1000 * (i + 1))
    with Session(writing(engine)) as s:  # the hospital's front pages, imported (a record without one counts missing)
        for record in s.exec(select(Record)):
            s.add(
                FrontPage(
                    project_id=record.project_id, record_id=record.id, diagnosis="急性阑尾炎", diagnosis_code="K35.800"
                )
            )
        s.commit()

    # the vendor applies
    mgr_ctx, mgr = _sign_in(browser, live_server, "mgr")
    mgr.goto(f"{live_server.base_url}/acceptance")
    assert mgr.is_visible("#apply-form")
    shot(mgr, "acceptance-01-lots-before-application")
    asked = _confirm_next(mgr)
    with mgr.expect_navigation():
        mgr.click("#apply-form button[type=submit]")
    assert "冻结" in asked[0]  # it asked before applying
    assert _status(mgr) == "applied"
    lot_url = mgr.url.replace(live_server.base_url, "").rstrip("/")
    assert "15" in mgr.inner_text(".facts")
    assert not mgr.is_visible("#seed-panel")  # the vendor cannot draw its own sample
    shot(mgr, "acceptance-02-lot-applied")

    # the hospital fixes the seed and reviews with the keyboard, failing one page
    rev_ctx, rev = _sign_in(browser, live_server, "rev1")
    rev.goto(live_server.base_url + lot_url)
    manifest_hash = rev.inner_text("#manifest-hash")
    assert len(manifest_hash) == 64
    rev.fill("#seed-input", "dice 3-1-4-1-5")
    with rev.expect_navigation():
        rev.click("#seed-panel button[type=submit]")
    assert _status(rev) == "in_review" and rev.inner_text("#seed") == "dice 3-1-4-1-5"
    shot(rev, "acceptance-03-sample-drawn")
    judged, checked = _review_with_keyboard(rev, lot_url, fail_first=True, name="acceptance-04")
    assert judged == 6 and checked >= 1
    assert rev.is_visible("#decide")
    shot(rev, "acceptance-05-figures-before-decision")
    asked = _confirm_next(rev)
    with rev.expect_navigation():
        rev.click("#decide")
    assert "驳回" in asked[0]  # it said the lot is rejected before recording it
    assert _status(rev) == "correcting"
    api = httpx.Client(base_url=live_server.base_url, cookies={c["name"]: c["value"] for c in rev_ctx.cookies()})
    verify = api.get(f"/api/v1/lots/{lot_url.rsplit('/', 1)[1]}/rounds/1/verify").json()
    assert verify["ok"] and verify["stored_hash"] == manifest_hash
    rev.click("#report-1")
    rev.wait_for_load_state()
    assert "验收报告" in rev.inner_text("h1")
    assert rev.inner_text("#report-decision") == "已驳回"
    assert "模糊" in rev.inner_text("#defects-by-type")
    shot(rev, "acceptance-06-report-round-1")

    # the vendor sees the defect, re-shoots the page and applies again
    mgr.reload()
    assert _status(mgr) == "correcting"
    defects = mgr.inner_text("#defects-table")
    assert "模糊" in defects and "与纸质不符" in defects and "stain on the page" in defects
    assert "项目错误：病案号" in defects  # the wrong front-page field
    shot(mgr, "acceptance-07-correction")
    rows = mgr.locator("#defects-table tbody tr")
    reshot = 0
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        if cells.nth(2).inner_text().isdigit():  # a page (the field finding has no page number)
            _upload(live_server, headers, cells.nth(0).inner_text(), int(cells.nth(2).inner_text()), 99_000 + i)
            reshot += 1
    assert reshot == 2
    with mgr.expect_navigation():
        mgr.click("#reapply")
    assert _status(mgr) == "applied" and "2" in mgr.inner_text(".facts")
    assert mgr.inner_text("#manifest-hash") != manifest_hash

    # a second round, split between two reviewers, passes
    rev2_ctx, rev2 = _sign_in(browser, live_server, "rev2")
    rev2.goto(live_server.base_url + lot_url)
    rev2.fill("#seed-input", "round two 2-7-1-8")
    with rev2.expect_navigation():
        rev2.click("#seed-panel button[type=submit]")
    rev.goto(live_server.base_url + lot_url)
    rev.click("#start-review")  # rev1 takes the first page; rev2 then reviews the rest
    rev.wait_for_load_state()
    first_taken = rev.url
    rev2.goto(live_server.base_url + lot_url)
    rev2.click("#start-review")
    rev2.wait_for_load_state()
    assert rev2.url != first_taken
    rev2.goto(live_server.base_url + lot_url)
    judged2, _ = _review_with_keyboard(rev2, lot_url, fail_first=False, name="acceptance-08")
    rev.goto(first_taken)
    rev.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    with rev.expect_navigation():
        rev.keyboard.press("p")
    rev.goto(live_server.base_url + lot_url)
    if rev.is_visible("#start-review"):  # a record of rev1's page may still need its check
        _review_with_keyboard(rev, lot_url, fail_first=False, name="acceptance-08b")
    assert judged2 == 5
    _confirm_next(rev)
    with rev.expect_navigation():
        rev.click("#decide")
    assert _status(rev) == "accepted"
    assert "100.00%" in rev.inner_text("#round-2")
    shot(rev, "acceptance-09-accepted-after-second-round")
    rev.click("#report-2")
    rev.wait_for_load_state()
    assert rev.inner_text("#report-decision") == "已验收"
    shot(rev, "acceptance-10-report-round-2")

    # a second lot, left alone past its review deadline, shows as deemed accepted
    _capture_record(live_server, headers, "880009", 9000)
    mgr.goto(f"{live_server.base_url}/acceptance")
    _confirm_next(mgr)
    with mgr.expect_navigation():
        mgr.click("#apply-form button[type=submit]")
    assert _status(mgr) == "applied"
    long_ago = time_today() - timedelta(days=11)
    with Session(writing(engine)) as s:
        lot2 = s.exec(select(Lot).where(Lot.number == 2)).one()
        s.execute(
            update(Lot)
            .where(col(Lot.id) == lot2.id)
            .values(applied_on=long_ago, review_deadline=long_ago + timedelta(days=10))
        )
        s.execute(
            update(ReviewRound)
            .where(col(ReviewRound.lot_id) == lot2.id)
            .values(applied_on=long_ago, review_deadline=long_ago + timedelta(days=10))
        )
        s.commit()
    engine.dispose()
    mgr.goto(f"{live_server.base_url}/acceptance")
    assert mgr.get_attribute("tr[data-lot='2']", "data-status") == "deemed_accepted"
    assert mgr.get_attribute("tr[data-lot='1']", "data-status") == "accepted"
    assert "视为验收通过" in mgr.inner_text("tr[data-lot='2']")
    shot(mgr, "acceptance-11-deemed-accepted")
    mgr.click("tr[data-lot='2'] a")
    mgr.wait_for_load_state()
    assert _status(mgr) == "deemed_accepted" and not mgr.is_visible("#seed-panel")
    rev.goto(mgr.url)
    assert not rev.is_visible("#seed-panel")  # too late to review
    for ctx in (mgr_ctx, rev_ctx, rev2_ctx):
        ctx.close()
