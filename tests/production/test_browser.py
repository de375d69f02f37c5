"""The production and records screens in a real browser: chromium signs in with a second factor against a real
`folio serve`, opens every screen in Chinese and in English, checks the figures against the database, and
saves a screenshot of each (test-artifacts/)."""

import re
import sqlite3
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import shot
from tests.factories import page_jpeg
from tests.live import LiveServer, browser_sign_in, time_today

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TZ = ZoneInfo("Asia/Shanghai")


def _db(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.database_url.removeprefix("sqlite:///"))


def _scalar(server: LiveServer, sql: str, *args: object) -> int:
    with _db(server) as conn:
        return conn.execute(sql, args).fetchone()[0]


def _good(server: LiveServer, first: date, last: date) -> int:
    return _scalar(
        server,
        "SELECT count(*) FROM page WHERE qc_passed AND deleted_at IS NULL AND capture_date BETWEEN ? AND ?",
        first.isoformat(),
        last.isoformat(),
    )


@pytest.fixture
def production_server(live_server: LiveServer) -> LiveServer:
    """A live server with a project that started 20 days ago and pages shot over the last days by an operator."""
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "mgr", "vendor_manager", totp_secret=SECRET)
    today = time_today()
    with _db(live_server) as conn:  # a small contract, so that the charts show something at this scale
        conn.execute(
            "UPDATE project SET start_date = ?, daily_quota = 4, target_pages = 120 WHERE code = ?",
            ((today - timedelta(days=20)).isoformat(), prov.project_code),
        )
        conn.execute("UPDATE user_account SET display_name = '张敏' WHERE username = ?", (prov.username,))
    live_server.start()
    headers = live_server.operator_headers(prov)
    now = datetime.now(TZ)
    plan = [(3, "00012345", 5), (2, "00012346", 4), (1, "00067890", 3), (0, "00067891", 3)]  # days back, MRN, pages
    seed = 300
    for back, mrn, pages in plan:
        day = today - timedelta(days=back)
        for n in range(1, pages + 1):
            when = min(datetime.combine(day, dtime(9, 0), TZ) + timedelta(minutes=7 * n), now - timedelta(seconds=5))
            shots = [(seed, 3.5), (seed + 1, 0.0)] if (back, n) == (2, 2) else [(seed, 0.0)]  # one blurred, re-shot
            for image_seed, blur in shots:
                res = httpx.post(
                    f"{live_server.base_url}/api/v1/pages",
                    headers=headers,
                    timeout=60,
                    data={
                        "page_number": str(n),
                        "mrn": mrn,
                        "visit": "1",
                        "idempotency_key": uuid.uuid4().hex,
                        "captured_at": when.isoformat(),
                    },
                    files={"image": ("p.jpg", page_jpeg(image_seed, blur=blur), "image/jpeg")},
                )
                assert res.status_code == 201, res.text
                seed += 1
    with _db(live_server) as conn:
        conn.execute("UPDATE record SET patient_name = '王小明' WHERE mrn = '00012345'")
    return live_server


def _sign_in(page, server: LiveServer) -> None:
    browser_sign_in(page, server, "mgr", SECRET, screenshot="production-signin-second-factor")


def _until(page, script: str, timeout: float = 20.0) -> None:
    """Poll a JavaScript predicate (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        time.sleep(0.1)


def _kpi(page, name: str) -> str:
    return page.locator(f"#kpi-{name}").inner_text().strip()


def test_every_screen_in_both_languages_against_the_database(production_server: LiveServer, page) -> None:
    server = production_server
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, server)
    today = time_today()
    record_id = _scalar(server, "SELECT id FROM record WHERE mrn = '00012346'")
    reshot_page = _scalar(server, "SELECT id FROM page WHERE record_id = ? AND page_number = 2", record_id)

    for lang, words in (("zh_CN", {"today": "今日", "ops": "按操作员", "good": "合格页数"}),
                        ("en", {"today": "Today", "ops": "By operator", "good": "Good pages"})):  # fmt: skip
        page.goto(f"{server.base_url}/lang/{lang}?next=/today")
        # Today: per operator and per station, against the database
        assert page.locator("h1").inner_text().startswith(words["today"])
        assert page.get_by_role("heading", name=words["ops"]).is_visible()
        assert _kpi(page, "good") == str(_good(server, today, today))
        assert page.locator("#today-table tbody tr[data-operator]").count() == 1
        assert page.locator("#station-table tbody tr[data-station]").count() == 1
        assert page.locator("[data-refresh='30']").count() == 1
        shot(page, f"production-today-{lang}")

        # Production: chart, operators' table (sortable), CSV link
        page.click("nav.mainnav a[href='/production']")
        page.wait_for_url(re.compile(r".*/production$"))
        total = _good(server, today - timedelta(days=29), today)
        assert _kpi(page, "good") == str(total)
        assert page.locator("svg#daily-chart rect.bar:not(.legend-key)").count() == 30
        assert page.locator("#operator-table tbody tr[data-operator] td.good").inner_text() == str(total)
        reshoot_rate = page.locator("#operator-table td.rate").inner_text()
        images = _scalar(server, "SELECT count(*) FROM page_image")
        reshoots = _scalar(server, "SELECT count(*) FROM page_image WHERE supersedes_id IS NOT NULL")
        assert reshoot_rate == f"{100 * reshoots / images:.1f}%"
        page.locator("#operator-table th[data-sort]").nth(2).click()
        assert page.locator("#operator-table th[aria-sort]").count() == 1
        assert page.locator("#export-csv").get_attribute("href").startswith("/production/export.csv?start=")
        shot(page, f"production-production-{lang}")
        page.locator("#operator-table tbody tr[data-operator] a").click()
        page.wait_for_url(re.compile(r".*/production/operators/\d+\?.*"))
        days = _scalar(server, "SELECT count(DISTINCT capture_date) FROM page WHERE deleted_at IS NULL")
        assert page.locator("#operator-days tbody tr[data-day]").count() == days
        assert _kpi(page, "good") == str(total)
        shot(page, f"production-operator-{lang}")

        # Progress: burn-up chart, pace, forecast
        page.click("nav.mainnav a[href='/progress']")
        page.wait_for_url(re.compile(r".*/progress$"))
        done = _good(server, date(2000, 1, 1), today)
        assert _kpi(page, "done") == str(done) and _kpi(page, "remaining") == str(120 - done)
        assert page.locator("svg#burnup-chart polyline.actual-line").count() == 1
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", _kpi(page, "forecast"))
        shot(page, f"production-progress-{lang}")

        # Records: search by name, a record's thumbnails, a page full size with zoom
        page.click("nav.mainnav a[href='/records']")
        page.wait_for_url(re.compile(r".*/records$"))
        assert page.locator("#records-table tbody tr[data-record]").count() == _scalar(
            server, "SELECT count(*) FROM record"
        )
        shot(page, f"production-records-{lang}")
        page.fill("#q", "王小")
        page.locator("form[role=search] button").click()
        assert page.locator("#records-table tbody tr[data-record]").count() == 1
        page.goto(f"{server.base_url}/records/{record_id}")
        tiles = page.locator("#tiles li.tile")
        assert tiles.count() == _scalar(
            server, "SELECT count(*) FROM page WHERE record_id = ? AND deleted_at IS NULL", record_id
        )
        _until(
            page,
            "() => Array.from(document.querySelectorAll('#tiles img')).every(i => i.complete && i.naturalWidth > 0)",
        )
        assert page.locator("#tiles li.tile-pass").count() == 4  # the blurred shot was re-shot and passed
        shot(page, f"production-record-{lang}")
        page.locator(f"#tiles li[data-page='{reshot_page}'] a").click()
        page.wait_for_url(re.compile(rf".*/records/{record_id}/pages/{reshot_page}$"))
        _until(page, "() => document.getElementById('page-image').naturalWidth > 0")
        assert page.locator("#history-table tbody tr").count() == 2
        page.locator("[data-zoom='in']").click()
        assert page.locator("#page-image").get_attribute("data-scale") not in (None, "fit")
        page.locator("[data-zoom='1']").click()
        assert page.locator("#page-image").get_attribute("data-scale") == "1"
        assert page.locator("#zoom-level").inner_text() == "100%"
        shot(page, f"production-page-viewer-{lang}")

        # Calendar: which years the official data covers
        page.click("nav.mainnav a[href='/calendar']")
        page.locator("#missing-years").wait_for(state="visible")  # is_visible() does not wait for the new page
        shot(page, f"production-calendar-{lang}")

    views = _scalar(server, "SELECT count(*) FROM audit_event WHERE action = 'image.view'")
    thumbs = _scalar(server, "SELECT count(*) FROM audit_event WHERE action = 'image.thumbnail'")
    assert views >= 2 and thumbs >= 4  # every image the browser fetched (4 tiles; then its cache) is audited
    assert csp_errors == []


def test_progress_prints_readably(production_server: LiveServer, page) -> None:
    _sign_in(page, production_server)
    page.goto(f"{production_server.base_url}/progress")
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("svg#burnup-chart").is_visible()
    shot(page, "production-progress-print")
    page.goto(f"{production_server.base_url}/production")
    assert page.locator("form.filters").is_hidden() and page.locator("svg#daily-chart").is_visible()
    shot(page, "production-production-print")


def test_tablet_width(production_server: LiveServer, browser) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    try:
        _sign_in(page, production_server)
        for screen in ("today", "production", "progress", "records"):
            page.goto(f"{production_server.base_url}/{screen}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 800, f"{screen} is {width} px wide on a tablet"
            shot(page, f"production-tablet-{screen}")
    finally:
        context.close()
