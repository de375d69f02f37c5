"""Issue 16 in a real browser: the review screen shows the processed page (cropped, straightened), a toggle shows
the master, and a line says the master is what QC checked and what the manifest hash covers (zh and en).
Screenshots: test-artifacts/processed-review-*.png."""

import time
import uuid
from datetime import date
from decimal import Decimal

import httpx
from sqlmodel import Session, select

from app.core.db import make_engine, writing
from app.inspection.rates import set_rate
from app.pages.models import PageImage, ProcessedImage
from app.projects.models import Project
from tests.conftest import shot
from tests.factories import page_jpeg
from tests.live import LiveServer

PASSWORD = "live-password-1"


def _natural_width(pg) -> int:  # noqa: ANN001
    pg.wait_for_function(
        "() => { const i = document.getElementById('page-image'); return i.complete && i.naturalWidth > 0; }"
    )
    return pg.evaluate("() => document.getElementById('page-image').naturalWidth")


def test_review_screen_shows_the_processed_page_and_the_master_on_demand(browser, live_server: LiveServer) -> None:
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "qc_live", "vendor_qc")
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
    live_server.start()
    r = httpx.post(
        f"{live_server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    station = {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}
    up = httpx.post(
        f"{live_server.base_url}/api/v1/pages",
        headers=station,
        timeout=60,
        data={"page_number": "1", "mrn": "770001", "visit": "1", "idempotency_key": uuid.uuid4().hex},
        files={"image": ("p.jpg", page_jpeg(7), "image/jpeg")},
    ).json()
    assert up["verdict"] == "pass", up
    copy = None
    for _ in range(600):  # the copy is made after the answer, in the pool's low-priority worker
        with Session(engine) as s:
            master = s.get(PageImage, up["image_id"])
            copy = s.exec(select(ProcessedImage).where(ProcessedImage.image_id == up["image_id"])).first()
        if copy is not None:
            break
        time.sleep(0.2)
    assert copy is not None
    engine.dispose()
    assert copy.width < master.width  # cropped to the paper

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{live_server.base_url}/login")
    pg.fill("#username", "qc_live")
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    pg.wait_for_load_state()
    pg.goto(f"{live_server.base_url}/inspection")
    pg.click("#start-inspecting")
    pg.wait_for_selector("#verdict-form")
    assert _natural_width(pg) == copy.width
    note = pg.inner_text(".version-note")
    assert "质检" in note and "SHA-256" in note
    assert pg.get_attribute("button[data-version=processed]", "aria-pressed") == "true"
    shot(pg, "processed-review-zh")
    pg.click("button[data-version=master]")
    pg.wait_for_function(f"() => document.getElementById('page-image').naturalWidth === {master.width}")
    assert pg.get_attribute("button[data-version=master]", "aria-pressed") == "true"
    shot(pg, "processed-review-master-zh")
    pg.goto(f"{live_server.base_url}/lang/en?next=/inspection")
    pg.click("#start-inspecting")
    pg.wait_for_selector("#verdict-form")
    assert "what QC checked" in pg.inner_text(".version-note")
    time.sleep(0.2)
    shot(pg, "processed-review-en")
    # the thumbnail is made from the processed copy too
    thumb = pg.request.get(f"{live_server.base_url}/pages/{up['page_id']}/thumb.jpg")
    assert thumb.headers["x-folio-version"] == "processed"
    context.close()
