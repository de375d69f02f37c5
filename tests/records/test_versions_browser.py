"""Issue 16's screen defects, in chromium against a real `folio serve` (screenshots: test-artifacts/versions-*.png):

- a page whose processed copy needs a look (outline uncertain: the copy keeps the full frame) is marked on its
  thumbnail and in the viewer (zh and en), counted and filterable on the record, counted and listed for the
  vendor's QC, who opens it, looks and passes it (or flags it) with the inspection screen's verdict;
- the toggle says what is shown and why there is no processed copy (a failed shot; a copy being made);
- the size line gives the size and dpi of the version shown, and changes with the toggle;
- at Fit the whole page is visible on the review screens: the image box lies inside the viewer, above the bar,
  inside the window (acceptance review, record check, inspection);
- every toggling viewer says the master is what QC checked and what the manifest hash covers.

The needs-look mark and the "being made" state are set in the database (qc's outline doubt and the pool's timing
are not what is tested here)."""

import re
import time
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.models import Lot
from app.acceptance.seeding import fix_seed
from app.acceptance.service import Actor
from app.accounts.models import User
from app.core.clock import local_date, utcnow
from app.core.db import make_engine, writing
from app.pages.models import PageImage, ProcessedImage
from app.projects.models import Project
from tests.conftest import shot
from tests.custody.test_browser import _sign_in as custody_sign_in
from tests.factories import page_jpeg
from tests.live import LiveServer, browser_sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _copies(server: LiveServer, image_ids: list[int]) -> dict[int, ProcessedImage]:
    """Wait (a bounded number of looks) for the processed copies the pool makes after each answer."""
    engine = make_engine(server.database_url)
    found: dict[int, ProcessedImage] = {}
    for _ in range(900):
        with Session(engine) as s:
            rows = s.exec(select(ProcessedImage).where(col(ProcessedImage.image_id).in_(image_ids))).all()
            found = {r.image_id: r for r in rows}
        if len(found) == len(image_ids):
            break
        time.sleep(0.2)
    engine.dispose()
    assert len(found) == len(image_ids), f"copies made: {sorted(found)} of {image_ids}"
    return found


def _masters(server: LiveServer, image_ids: list[int]) -> dict[int, PageImage]:
    engine = make_engine(server.database_url)
    with Session(engine) as s:
        out = {i.id: i for i in s.exec(select(PageImage).where(col(PageImage.id).in_(image_ids)))}
    engine.dispose()
    return out


def _mark_needs_look(server: LiveServer, image_ids: list[int]) -> None:
    engine = make_engine(server.database_url)
    with Session(writing(engine)) as s:
        s.execute(update(ProcessedImage).where(col(ProcessedImage.image_id).in_(image_ids)).values(needs_look=True))
        s.commit()
    engine.dispose()


def _forget_copy(server: LiveServer, image_id: int) -> None:
    """The state between the upload's answer and its copy: no processed row yet."""
    engine = make_engine(server.database_url)
    with Session(writing(engine)) as s:
        s.execute(delete(ProcessedImage).where(col(ProcessedImage.image_id) == image_id))
        s.commit()
    engine.dispose()


def _loaded(pg) -> None:  # noqa: ANN001
    pg.wait_for_function(
        "() => { const i = document.getElementById('page-image'); return i.complete && i.naturalWidth > 0; }"
    )


def _thumbs_loaded(pg) -> None:  # noqa: ANN001
    """Every thumbnail of the record drawn (they load lazily, made in the pool), for the screenshot."""
    pg.wait_for_function("() => [...document.querySelectorAll('#tiles img')].every(i => i.complete && i.naturalWidth)")


def _size(w: int, h: int, dpi: float | None) -> str:
    return f"{w} × {h}" + (f" 像素 · {dpi:.0f} dpi" if dpi else " 像素")


def _assert_whole_page_at_fit(pg, name: str) -> None:  # noqa: ANN001
    """At Fit the image box lies inside the viewer and the window, and the bar covers none of it."""
    _loaded(pg)
    pg.wait_for_function("() => document.getElementById('viewer').getAttribute('data-zoom') === 'fit'")
    boxes = pg.evaluate(
        """() => {
          const r = (id) => { const b = document.getElementById(id).getBoundingClientRect();
                              return {l: b.left, t: b.top, r: b.right, b: b.bottom}; };
          return {img: r('page-image'), viewer: r('viewer'), bar: r('version-bar'),
                  w: window.innerWidth, h: window.innerHeight};
        }"""
    )
    img, viewer, bar = boxes["img"], boxes["viewer"], boxes["bar"]
    assert img["b"] - img["t"] > 100, boxes  # a page, not a sliver
    assert img["l"] >= viewer["l"] - 1 and img["r"] <= viewer["r"] + 1, boxes
    assert img["t"] >= viewer["t"] - 1 and img["b"] <= viewer["b"] + 1, boxes
    assert img["t"] >= -1 and img["b"] <= boxes["h"] + 1 and img["r"] <= boxes["w"] + 1, boxes
    overlap_x = min(img["r"], bar["r"]) - max(img["l"], bar["l"])
    overlap_y = min(img["b"], bar["b"]) - max(img["t"], bar["t"])
    assert overlap_x <= 0 or overlap_y <= 0, f"the bar covers the page: {boxes}"
    assert bar["b"] <= boxes["h"] + 1, f"the bar is below the window: {boxes}"
    shot(pg, name)


def started_with_qc(live_server: LiveServer) -> dict[str, str]:
    """Provision a project with a vendor QC user "qc_live", start the server; an operator's station headers."""
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "qc_live", "vendor_qc")
    live_server.start()
    return live_server.operator_headers(prov)


def test_vendor_qc_sees_what_is_shown_and_finds_the_pages_that_need_a_look(browser, live_server: LiveServer) -> None:
    headers = started_with_qc(live_server)
    good = live_server.upload_page(headers, "770001", 1, page_jpeg(7))
    failed = live_server.upload_page(headers, "770001", 2, page_jpeg(8, blur=3.5))
    look = live_server.upload_page(headers, "770001", 3, page_jpeg(9))
    making = live_server.upload_page(headers, "770001", 4, page_jpeg(10))
    assert good["verdict"] == look["verdict"] == making["verdict"] == "pass" and failed["verdict"] == "fail"
    ids = [good["image_id"], look["image_id"], making["image_id"]]
    copies = _copies(live_server, ids)
    masters = _masters(live_server, [*ids, failed["image_id"]])
    _mark_needs_look(live_server, [look["image_id"]])
    _forget_copy(live_server, making["image_id"])
    record = f"{live_server.base_url}/records/{good['record_id']}"

    context, pg = custody_sign_in(browser, live_server, "qc_live", second_factor=False)
    # a processed page: the toggle and the size line say "processed", with the copy's size and dpi
    pg.goto(f"{record}/pages/{good['page_id']}")
    _loaded(pg)
    copy, master = copies[good["image_id"]], masters[good["image_id"]]
    assert pg.get_attribute("button[data-version=processed]", "aria-pressed") == "true"
    assert pg.inner_text("#version-size") == _size(copy.width, copy.height, copy.dpi)
    assert "质检" in pg.inner_text(".version-note") and "SHA-256" in pg.inner_text(".version-note")
    assert not pg.is_visible("#needs-look") and not pg.is_visible("#version-why")
    pg.click("button[data-version=master]")
    pg.wait_for_function(f"() => document.getElementById('page-image').naturalWidth === {master.width}")
    assert pg.inner_text("#version-size").startswith(f"{master.width} × {master.height}")
    shot(pg, "versions-record-page-master-zh")
    # a failed shot: the master, said so, with the reason and the master's size
    pg.goto(f"{record}/pages/{failed['page_id']}")
    _loaded(pg)
    fm = masters[failed["image_id"]]
    assert pg.get_attribute("button[data-version=master]", "aria-pressed") == "true"
    assert pg.get_attribute("button[data-version=processed]", "aria-pressed") == "false"
    assert pg.is_disabled("button[data-version=processed]")
    assert pg.get_attribute("#version-why", "data-why") == "failed"
    assert "原图" in pg.inner_text("#version-why") and "不合格" in pg.inner_text("#version-why")
    assert pg.inner_text("#version-size").startswith(f"{fm.width} × {fm.height}")
    assert pg.evaluate("document.getElementById('page-image').naturalWidth") == fm.width
    shot(pg, "versions-failed-shot-zh")
    # a copy still being made
    pg.goto(f"{record}/pages/{making['page_id']}")
    assert pg.get_attribute("#version-why", "data-why") == "being_made"
    assert "正在生成" in pg.inner_text("#version-why")
    # the page that needs a look: marked in the viewer
    pg.goto(f"{record}/pages/{look['page_id']}")
    assert "需人工查看" in pg.inner_text("#needs-look")
    assert pg.is_visible("#look-form button")  # the vendor's QC can open it for a verdict from here
    shot(pg, "versions-needs-look-viewer-zh")

    # the record: the thumbnail's mark, the count and the filter
    pg.goto(record)
    assert pg.get_attribute(f"li[data-page='{look['page_id']}']", "data-look") == "true"
    assert pg.locator("li[data-look] .look-mark").count() == 1
    assert pg.inner_text("#looks-count").startswith("1 页需人工查看")
    _thumbs_loaded(pg)
    shot(pg, "versions-record-tiles-zh")
    pg.click("#looks-filter")
    assert pg.locator("#tiles li.tile").count() == 1
    assert pg.get_attribute("#tiles li.tile", "data-page") == str(look["page_id"])

    # the vendor's QC: the figure, the list, the look, the verdict
    pg.goto(f"{live_server.base_url}/inspection")
    assert pg.inner_text("#kpi-looks .kpi-value") == "1"
    pg.click("#kpi-looks")
    assert pg.locator("#looks-table tbody tr[data-page]").count() == 1
    shot(pg, "versions-looks-list-zh")
    with pg.expect_navigation():
        pg.click("#looks-table .look-open")
    assert re.search(r"/inspection/items/\d+\?back=looks$", pg.url), pg.url
    assert "需人工查看" in pg.inner_text("#needs-look")
    assert "质检" in pg.inner_text(".version-note")
    _assert_whole_page_at_fit(pg, "versions-inspection-look-zh")
    with pg.expect_navigation():
        pg.click("#pass-button")
    assert pg.url.endswith("/inspection/looks"), pg.url
    assert pg.locator("#looks-table tbody tr[data-page]").count() == 0
    pg.goto(f"{live_server.base_url}/inspection/looks?show=all")
    assert pg.inner_text(f"tr[data-page='{look['page_id']}'] .look-decision") == "按原样接受"
    pg.goto(f"{live_server.base_url}/inspection")
    assert pg.inner_text("#kpi-looks .kpi-value") == "0"

    # English
    pg.goto(f"{live_server.base_url}/lang/en?next=/records/{good['record_id']}/pages/{failed['page_id']}")
    assert "failed QC gets no processed copy" in pg.inner_text("#version-why")
    assert "what QC checked" in pg.inner_text(".version-note")
    pg.goto(f"{record}/pages/{look['page_id']}")
    assert pg.inner_text("#needs-look").startswith("Needs a look: the page outline was uncertain")
    lc = copies[look["image_id"]]
    assert pg.inner_text("#version-size") == f"{lc.width} × {lc.height} px" + (f" · {lc.dpi:.0f} dpi" if lc.dpi else "")
    shot(pg, "versions-needs-look-viewer-en")
    pg.goto(record)
    assert pg.inner_text("#looks-count").startswith("1 page needs a look")
    _thumbs_loaded(pg)
    shot(pg, "versions-record-tiles-en")
    context.close()


def test_review_screens_show_the_whole_page_at_fit(browser, live_server: LiveServer) -> None:
    prov = live_server.provision()
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project)).one()
        project.sample_rate = Decimal(1)
        s.add(project)
        s.commit()
    live_server.add_user(prov.project_code, "rev1", "reviewer", totp_secret=SECRET)
    live_server.start()
    headers = live_server.operator_headers(prov)
    first = live_server.upload_page(headers, "880001", 1, page_jpeg(21))
    second = live_server.upload_page(headers, "880001", 2, page_jpeg(22))
    done = httpx.post(
        f"{live_server.base_url}/api/v1/records/{first['record_id']}/finish",
        json={"paper_page_count": 2},
        headers=headers,
    )
    assert done.json()["complete"], done.text
    _copies(live_server, [first["image_id"], second["image_id"]])
    widths = {i.width for i in _masters(live_server, [first["image_id"], second["image_id"]]).values()}
    assert len(widths) == 1
    _mark_needs_look(live_server, [first["image_id"]])
    with Session(writing(engine)) as s:
        project = s.exec(select(Project)).one()
        reviewer = s.exec(select(User).where(User.username == "rev1")).one()
        now = utcnow()
        today: date = local_date(now, project.timezone)
        lot = apply_for_acceptance(
            s, project, period_end=today, actor=Actor(reviewer.id, reviewer.role), today=today, now=now
        )
        fix_seed(s, lot, "dice 1-2-3", actor=Actor(reviewer.id, reviewer.role), today=today, now=now)
        s.commit()
        lot_id = s.exec(select(Lot.id)).one()
    engine.dispose()

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    browser_sign_in(pg, live_server, "rev1", SECRET, then=None)  # once: a TOTP code is never taken twice
    pg.wait_for_load_state()
    for lang in ("zh", "en"):
        if lang == "en":
            pg.goto(f"{live_server.base_url}/lang/en?next=/acceptance/lots/{lot_id}")
        pg.goto(f"{live_server.base_url}/acceptance/lots/{lot_id}/review")
        pg.wait_for_url(re.compile(r".*/acceptance/lots/\d+/items/\d+$"))
        note = pg.inner_text(".version-note")
        assert ("what QC checked" in note) if lang == "en" else ("质检" in note and "SHA-256" in note)
        _assert_whole_page_at_fit(pg, f"versions-review-item-fit-{lang}")
        pg.click("button[data-version=master]")  # the master, fitted again
        pg.wait_for_function(f"() => document.getElementById('page-image').naturalWidth === {next(iter(widths))}")
        _assert_whole_page_at_fit(pg, f"versions-review-item-master-fit-{lang}")
        pg.click("#record-link")
        pg.wait_for_url(re.compile(r".*/acceptance/lots/\d+/records/\d+$"))
        assert pg.is_visible("#needs-look")  # the front page's copy kept the full frame
        assert pg.is_visible(".version-note")
        _assert_whole_page_at_fit(pg, f"versions-record-check-fit-{lang}")
    context.close()
