"""A newcomer's first day in a real browser (issue 17): the demo project on a real `folio serve`, every role's
screens in Chinese (and the navigation in English), checked for what they say. Screenshots: test-artifacts/
issue17-after-*.png (the 'before' set, taken from the code before these fixes, is issue17-before-*.png)."""

import sqlite3
import subprocess
import sys
import time

import pytest

from app.accounts import totp
from tests.conftest import shot
from tests.live import ROOT, LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]
DEMO_PAGES = "40"


class Demo:
    """The demo project on a live server, and signing its users in (each with their own browser context)."""

    def __init__(self, server: LiveServer, browser) -> None:  # noqa: ANN001
        self.server, self.browser = server, browser
        self.db = server.workdir / "folio.db"
        self.used_steps: dict[str, int] = {}

    def secret(self, username: str) -> str | None:
        with sqlite3.connect(self.db) as con:
            return con.execute("select totp_secret from user_account where username = ?", (username,)).fetchone()[0]

    def one(self, sql: str) -> tuple:
        with sqlite3.connect(self.db) as con:
            return con.execute(sql).fetchone()

    def sign_in(self, username: str, *, locale: str = "zh-CN", width: int = 1366):  # noqa: ANN201
        """A page signed in as the demo user (password, then the second factor where the role needs one)."""
        context = self.browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
        pg = context.new_page()
        pg.goto(f"{self.server.base_url}/login")
        pg.fill("#username", username)
        pg.fill("#password", f"{username}-demo-2026")
        pg.click("main button[type=submit]")
        pg.wait_for_load_state()
        if "/login/second-factor" in pg.url:
            secret = self.secret(username)
            step = totp.step_of(time.time())
            while step <= self.used_steps.get(username, -1):  # each code works once
                time.sleep(1)
                step = totp.step_of(time.time())
            self.used_steps[username] = step
            pg.fill("#code", totp.code_at(secret, step))
            pg.click("main button[type=submit]")
            pg.wait_for_load_state()
        assert "/login" not in pg.url, pg.url
        return context, pg

    def goto(self, pg, path: str) -> None:  # noqa: ANN001
        pg.goto(f"{self.server.base_url}{path}")
        pg.wait_for_load_state()


@pytest.fixture
def demo(live_server: LiveServer, browser) -> Demo:  # noqa: ANN001
    """`folio demo` into the live server's database, then the server started."""
    made = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo", "--pages", DEMO_PAGES],
        cwd=ROOT,
        env={**live_server.env(), "FOLIO_MODE": "demo"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    live_server.start()
    return Demo(live_server, browser)


def test_every_role_lands_on_its_work_screen_in_words_it_reads(demo: Demo) -> None:
    # Finance starts on billing, and is never sent to a page finance may not open.
    ctx, pg = demo.sign_in("fin_wu")
    assert pg.url.endswith("/billing")
    shot(pg, "issue17-after-landing-fin_wu")
    assert pg.locator("main a[href='/calendar']").count() == 0
    demo.goto(pg, "/calendar")  # typed by hand: the 403 page, in Chinese
    assert pg.inner_text("h1") == "无权访问"
    assert "您的角色无权打开此页面" in pg.inner_text("#error-detail")
    assert "your role" not in pg.inner_text("main").lower()
    shot(pg, "issue17-after-403-calendar-finance")
    ctx.close()

    # The administrator starts on users; the sampling scheme is a choice with readable names; stations are named.
    ctx, pg = demo.sign_in("admin")
    assert pg.url.endswith("/admin/users")
    shot(pg, "issue17-after-landing-admin")
    demo.goto(pg, "/admin/project")
    options = pg.locator("#t-sampling_scheme option").all_inner_texts()
    assert options == ["固定比例：按抽样比例抽取批次页面", "GB/T 2828.1（ISO 2859-1）一次抽样，一般检验水平 II，按 AQL"]
    assert "flat" not in pg.inner_text("main")
    shot(pg, "issue17-after-contract-terms")
    pg.select_option("#t-sampling_scheme", "iso2859")
    pg.fill("#t-aql", "0.65")
    pg.fill("#t-reason", "按国家标准抽样")
    pg.click("form.grid-form button[type=submit]")
    pg.wait_for_load_state()
    demo.goto(pg, "/admin/stations")
    assert pg.locator("table.grid thead th").nth(1).inner_text() == "工位名称"
    shot(pg, "issue17-after-stations")
    ctx.close()

    # The custodian needs the second factor too, and reads the request's details in words.
    ctx, pg = demo.sign_in("cust_zhou")
    assert demo.secret("cust_zhou")  # enrolled by the demo: the sign-in above passed the second factor
    demo.goto(pg, "/approvals")
    details = pg.locator("table.grid").first.inner_text()
    assert "抽样方案" in details and "GB/T 2828.1" in details and "sampling_scheme" not in details
    shot(pg, "issue17-after-approvals-custodian")
    demo.goto(pg, f"/custody/handovers/{demo.one('select min(id) from handover')[0]}/sheet")
    assert pg.inner_text(".sheet-tools a") == "返回"
    shot(pg, "issue17-after-handover-sheet")
    ctx.close()

    # The auditor starts on the trail, which names actions and outcomes instead of codes.
    ctx, pg = demo.sign_in("auditor")
    assert pg.url.endswith("/audit")
    table = pg.inner_text("table.audit")
    assert "登录第二因素验证" in table and "成功" in table
    for code in ("signin.second_factor", "password_ok", "success"):
        assert code not in table
    shot(pg, "issue17-after-audit-trail")
    ctx.close()


def test_the_managers_screens_say_what_they_mean(demo: Demo) -> None:
    ctx, pg = demo.sign_in("mgr_zhao")
    assert pg.inner_text(".topbar .who") == "赵磊 · 项目经理"  # the name once, the role once

    demo.goto(pg, "/production")
    heights = pg.eval_on_selector_all("#daily-chart rect.bar", "rs => rs.map(r => +r.getAttribute('height'))")
    assert heights and all(h >= 3 for h in heights if h > 0)
    assert pg.locator("#daily-chart text.bar-value").count() >= 1
    shot(pg, "issue17-after-production-chart")

    demo.goto(pg, "/progress")
    box = pg.eval_on_selector("#burnup-chart", "s => s.getBoundingClientRect().right")
    ticks = pg.eval_on_selector_all("#burnup-chart text.tick", "ts => ts.map(t => t.getBoundingClientRect().right)")
    assert ticks and max(ticks) <= box + 0.5  # no axis label runs off the chart
    shot(pg, "issue17-after-progress-chart")

    demo.goto(pg, "/custody/pack")
    fits = pg.eval_on_selector(
        "#pack-scan",
        "i => { const c = document.createElement('canvas').getContext('2d'); const s = getComputedStyle(i);"
        " c.font = s.fontSize + ' ' + s.fontFamily; return c.measureText(i.placeholder).width"
        " <= i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }",
    )
    assert fits, "the packing screen's hint is cut off"
    shot(pg, "issue17-after-packing")

    demo.goto(pg, "/delivery")
    button = pg.locator("#ask-approval")
    assert button.is_disabled()
    assert pg.eval_on_selector("#ask-approval", "b => getComputedStyle(b).cursor") == "not-allowed"
    assert "暂不可用" in pg.inner_text("#why-disabled")
    shot(pg, "issue17-after-delivery")

    demo.goto(pg, "/frontpage")
    shot(pg, "issue17-after-frontpage")

    # The demo's images carry the page number they are filed under.
    record_id, page_id = demo.one(
        "select r.id, p.id from record r join page p on p.record_id = r.id where p.page_number = 3 limit 1"
    )
    demo.goto(pg, f"/records/{record_id}/pages/{page_id}")
    shot(pg, "issue17-after-demo-page-3")

    # A record checked out and not captured yet waits for the station.
    demo.goto(pg, "/custody/where?q=00990001-1")
    assert "00990001" in pg.inner_text("main")
    shot(pg, "issue17-after-station-ready-record")
    ctx.close()

    # English, 1366 px wide: every link of the navigation on one line.
    ctx, pg = demo.sign_in("mgr_zhao", locale="en-US")
    demo.goto(pg, "/lang/en?next=/production")
    tops = pg.eval_on_selector_all("nav.mainnav a", "as => as.map(a => Math.round(a.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, f"the English navigation wraps onto {len(set(tops))} lines"
    assert pg.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(pg, "issue17-after-nav-english-1366")
    ctx.close()
