"""Vendor QC in a real browser against a real `folio serve`: an inspector flags two pages with the keyboard,
the operator's real capture station shows both tasks on its own browser screen and re-shoots one, the lot
application holds back the other record and says why, and the operator's page shows his first-pass yield.
Screenshots under test-artifacts/inspection-*.png."""

import re
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from sqlmodel import Session, select

from app.acceptance.models import LotRecord
from app.core.db import make_engine, writing
from app.inspection.rates import set_rate
from app.projects.models import Project
from tests.capture_station.conftest import login_station, setup_station
from tests.capture_station.harness import StationProcess
from tests.conftest import shot
from tests.custody.test_browser import _sign_in as custody_sign_in
from tests.factories import page_jpeg
from tests.live import LiveServer

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _upload(server: LiveServer, headers: dict, mrn: str, page: int, seed: int) -> dict:
    r = httpx.post(
        f"{server.base_url}/api/v1/pages",
        headers=headers,
        timeout=60,
        data={"page_number": str(page), "mrn": mrn, "visit": "1", "idempotency_key": uuid.uuid4().hex},
        files={"image": ("p.jpg", page_jpeg(seed), "image/jpeg")},
    )
    assert r.status_code == 201 and r.json()["verdict"] == "pass", r.text
    return r.json()


def _sign_in(browser, server: LiveServer, username: str, *, second_factor: bool = False):  # noqa: ANN001, ANN202
    """The custody browser test's sign-in, with confirmations (issue 17) accepted."""
    context, pg = custody_sign_in(browser, server, username, second_factor=second_factor)
    pg.on("dialog", lambda d: d.accept())
    return context, pg


def _station(server: LiveServer, prov, home: Path) -> StationProcess:  # noqa: ANN001
    """A real capture station set up for the project, the operator signed in, running with its browser screen."""
    hot = home / "hot"
    hot.mkdir(parents=True)
    setup_station(home / "station", hot, server.base_url, prov.station_token)
    login_station(home / "station", prov.username, prov.password)
    return StationProcess(home / "station", hot).start()


def test_inspector_flags_two_pages_station_reshoots_one_lot_holds_the_other_back(
    browser, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    prov = live_server.provision()
    live_server.add_user(prov.project_code, "qc_live", "vendor_qc")
    live_server.add_user(prov.project_code, "mgr_live", "vendor_manager", totp_secret=SECRET)
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project).where(Project.code == prov.project_code)).one()
        set_rate(
            s,
            project,
            operator_id=None,
            percent=Decimal(100),
            from_date=date(2020, 1, 1),
            user_id=1,
            actor={},
            now=project.created_at,
        )
        s.commit()
    engine.dispose()
    live_server.start()
    r = httpx.post(
        f"{live_server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    station = {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}
    records = {}
    for mrn, seed in (("880001", 10), ("880002", 20)):
        for n in (1, 2):
            answer = _upload(live_server, station, mrn, n, seed + n)
        records[mrn] = answer["record_id"]
        done = httpx.post(
            f"{live_server.base_url}/api/v1/records/{answer['record_id']}/finish",
            json={"paper_page_count": 2},
            headers=station,
        )
        assert done.json()["complete"], done.text

    # The inspector works with the keyboard: flag (1 = blurred), pass, flag (3 = cut off).
    context, pg = _sign_in(browser, live_server, "qc_live")
    pg.goto(f"{live_server.base_url}/inspection")
    assert pg.inner_text("#kpi-waiting") == "4"
    pg.click("#start-inspecting")
    pg.wait_for_selector("#verdict-form")
    assert "880001" in pg.inner_text("#page-facts") and pg.inner_text("#paper-count").startswith("2")
    shot(pg, "inspection-item")
    pg.keyboard.press("1")
    pg.keyboard.press("n")
    pg.keyboard.type("印章模糊")
    pg.keyboard.press("Escape")
    with pg.expect_navigation():
        pg.keyboard.press("f")
    pg.wait_for_selector("#verdict-form")
    with pg.expect_navigation():
        pg.keyboard.press("p")
    pg.wait_for_selector("#verdict-form")
    assert "880002" in pg.inner_text("#page-facts")
    pg.keyboard.press("3")
    with pg.expect_navigation():
        pg.keyboard.press("f")
    pg.goto(f"{live_server.base_url}/inspection/tasks")
    rows = pg.locator("#tasks tbody tr")
    assert rows.count() == 2
    text = pg.inner_text("#tasks")
    assert "880001" in text and "880002" in text and "印章模糊" in text
    shot(pg, "inspection-tasks")
    context.close()

    # The operator's station shows the tasks first when it opens each record (its own browser screen: thumbnail,
    # page, reason, note, who); a re-shoot of page 1 of the first record (r 1) closes that task on the server.
    st = _station(live_server, prov, tmp_path)
    try:
        screen = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        screen.goto(st.wait_for(lambda e: e["kind"] == "web")[-1]["url"])
        m = st.mark()
        screen.fill("#command", "m 880001 1")
        screen.press("#command", "Enter")
        told = st.wait_for(lambda e: e["kind"] == "reshoot_tasks", since=m)[0]
        assert [(t["page_number"], t["reason"], t["note"]) for t in told["tasks"]] == [(1, "blurred", "印章模糊")]
        assert "第 1 页：图像模糊——印章模糊" in told["text"]  # the terminal's list
        expect(screen.locator("#task-list li")).to_have_count(1)
        task = screen.locator("#task-list li").first
        expect(task).to_contain_text("第 1 页")
        expect(task).to_contain_text("图像模糊")
        expect(task).to_contain_text("印章模糊")
        expect(task).to_contain_text("标记")
        expect(task.locator("img")).to_have_attribute("src", re.compile(r"/img/task/\d+"))
        screen.wait_for_function(
            "() => { const i = document.querySelector('#task-list img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )  # the flagged image, shown
        shot(screen, "inspection-station-tasks")
        screen.fill("#command", "r 1")
        screen.press("#command", "Enter")
        st.wait_for(lambda e: e["kind"] == "mode" and e.get("page") == 1, since=m)
        st.drop("reshoot.jpg", page_jpeg(99))
        done = st.wait_for(lambda e: e["kind"] == "reshoot_tasks" and e.get("done"), since=m, timeout=60)[0]
        assert done["done"] == [1] and done["tasks"] == [] and "第 1 页的补拍任务已完成" in done["text"]
        expect(screen.locator("#tasks")).to_be_hidden()
        m = st.mark()
        screen.fill("#command", "m 880002 1")
        screen.press("#command", "Enter")
        told = st.wait_for(lambda e: e["kind"] == "reshoot_tasks", since=m)[0]
        assert [(t["page_number"], t["reason"]) for t in told["tasks"]] == [(1, "cut_off")]
        expect(screen.locator("#task-list li")).to_contain_text("页面不完整")
        screen.click("#lang")
        expect(screen.locator("#task-list li")).to_contain_text("cut off")
        expect(screen.locator("#tasks h2")).to_have_text("Re-shoot tasks")
        shot(screen, "inspection-station-tasks-en")
        screen.context.close()
    finally:
        st.quit()
    other = httpx.get(f"{live_server.base_url}/api/v1/records/{records['880002']}/reshoot-tasks", headers=station)
    assert [(t["page_number"], t["reason"]) for t in other.json()] == [(1, "cut_off")]
    assert (
        httpx.get(f"{live_server.base_url}/api/v1/records/{records['880001']}/reshoot-tasks", headers=station).json()
        == []
    )

    # The manager applies for acceptance: the lot takes the re-shot record and holds the other back, saying why.
    context, pg = _sign_in(browser, live_server, "mgr_live", second_factor=True)
    pg.goto(f"{live_server.base_url}/acceptance")
    held = pg.inner_text("#held-back-tasks")
    assert "880002" in held and "880001" not in held and "残缺" in held  # cut off, in Chinese
    shot(pg, "inspection-lot-application")
    with pg.expect_navigation():
        pg.click("#apply-form button[type=submit]")
    flash = pg.inner_text(".flash")
    assert "880002/1" in flash and "第 1 页" in flash, flash
    assert "/acceptance/lots/" in pg.url
    shot(pg, "inspection-lot-frozen")
    context.close()
    engine = make_engine(live_server.database_url)
    with Session(engine) as s:
        in_lot = s.exec(select(LotRecord.record_id)).all()
    engine.dispose()
    assert in_lot == [records["880001"]]

    # The operator's own page shows his first-pass yield: of 4 first shots, page 1 of each record was not first-pass.
    context, pg = _sign_in(browser, live_server, prov.username)
    pg.goto(f"{live_server.base_url}/production/defects")
    assert pg.inner_text("#kpi-fpy") == "50.0%"
    assert pg.locator("#sources tbody tr").count() == 1
    shot(pg, "inspection-operator-defects")
    context.close()
