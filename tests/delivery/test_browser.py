"""The delivery package in a real browser against a real `folio serve`: the vendor's manager asks for an export,
the records custodian approves it, the manager starts it and watches the progress bar to the end; the package
then passes `folio delivery verify`."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.service import Actor
from app.accounts import totp
from app.accounts.models import User
from app.core.clock import local_date, utcnow
from app.core.db import make_engine, writing
from app.pages.models import ProcessedImage
from app.projects.models import Project
from app.records.models import Record
from tests.conftest import shot
from tests.factories import page_jpeg
from tests.live import ROOT, LiveServer

pytestmark = pytest.mark.browser
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "live-password-1"


def _sign_in(browser, server: LiveServer, username: str, *, second_factor: bool):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server.base_url}/login")
    pg.fill("#username", username)
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    if second_factor:
        pg.wait_for_url("**/login/second-factor**")
        pg.fill("#code", totp.code_at(SECRET, totp.step_of(time.time())))
        pg.click("main button[type=submit]")
    pg.wait_for_load_state()
    assert "/login" not in pg.url, pg.content()[:500]
    return context, pg


def _capture(server: LiveServer, prov, records: dict[str, int]) -> None:  # noqa: ANN001
    r = httpx.post(
        f"{server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    headers = {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}
    seed = 0
    for mrn, pages in records.items():
        for n in range(1, pages + 1):
            seed += 1
            data = {"page_number": str(n), "mrn": mrn, "visit": "1", "idempotency_key": uuid.uuid4().hex}
            if n == 1:
                data["segment"] = "首页"
            up = httpx.post(
                f"{server.base_url}/api/v1/pages",
                headers=headers,
                data=data,
                timeout=60,
                files={"image": ("p.jpg", page_jpeg(seed), "image/jpeg")},
            )
            assert up.status_code == 201, up.text
        done = httpx.post(
            f"{server.base_url}/api/v1/records/{up.json()['record_id']}/finish",
            json={"paper_page_count": pages},
            headers=headers,
        )
        assert done.json()["complete"], done.text


def test_request_approve_start_and_watch_the_export(live_server: LiveServer, browser, tmp_path: Path) -> None:  # noqa: ANN001
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "cust", "custodian", password=PASSWORD, totp_secret=SECRET)
    live_server.add_user(prov.project_code, "mgr", "vendor_manager", password=PASSWORD, totp_secret=SECRET)
    live_server.start()
    _capture(live_server, prov, {"00077001": 3, "00077002": 2, "00077003": 4})
    # The lot was applied for 40 days ago and left unreviewed: deemed accepted.
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project)).one()
        mgr_user = s.exec(select(User).where(User.username == "mgr")).one()
        applied = utcnow() - timedelta(days=40)
        s.execute(update(Record).where(col(Record.project_id) == project.id).values(finished_at=applied))
        day = local_date(applied, project.timezone)
        apply_for_acceptance(
            s,
            project,
            period_end=day,
            actor=Actor(mgr_user.id, mgr_user.role),
            today=day,
            now=applied + timedelta(hours=1),
        )
        s.commit()

    target = tmp_path / "delivery-2026-11"
    mgr_ctx, mgr = _sign_in(browser, live_server, "mgr", second_factor=True)
    mgr.goto(f"{live_server.base_url}/delivery")
    assert mgr.inner_text("#kpi-records") == "3" and mgr.inner_text("#kpi-pages") == "9"
    mgr.fill("#target", str(target))
    mgr.fill("#reason", "第一批交付")
    mgr.click("main form[action='/delivery/exports'] button[type=submit]")
    mgr.wait_for_url("**/delivery/exports/*")
    export_url = mgr.url
    assert "start-export" not in mgr.content()

    cust_ctx, cust = _sign_in(browser, live_server, "cust", second_factor=True)
    cust.goto(f"{live_server.base_url}/approvals")
    shown = cust.inner_text("main")
    assert str(target) in shown and "病案 3" in shown  # she sees the folder and what she approves, in words
    assert "export_id" not in shown and "records" not in shown
    shot(cust, "issue17-after-approvals-delivery")
    cust.click("main form[action^='/approvals/'] button[value=approve]")
    cust.wait_for_load_state()

    mgr.goto(export_url)
    assert mgr.inner_text("#export-status") == "已批准：可以开始"  # the heading agrees with the approval line
    assert mgr.inner_text("#export-approval") == "已批准"
    # The profile filed with the export and its pages that need a look, in words (the approval screen's).
    profile = mgr.inner_text("#export-profile")
    assert "内容 处理后图像" in profile and "图像格式 JPEG" in profile and "contents" not in profile, profile
    with Session(writing(engine)) as s:  # qc found two outlines uncertain
        marked = s.exec(select(ProcessedImage.id).order_by(col(ProcessedImage.id)).limit(2)).all()
        s.execute(update(ProcessedImage).where(col(ProcessedImage.id).in_(marked)).values(needs_look=True))
        s.commit()
    mgr.goto(export_url)
    # (copies are made in the background: a copy made after the marking is the newest and needs no look)
    looks, count = mgr.inner_text("#export-looks"), int(mgr.get_attribute("#export-looks", "data-count"))
    assert count <= len(marked) and (looks.startswith(f"{count} 轮廓不确定") if count else looks == "无"), looks
    shot(mgr, "issue17-after-export-approved")
    with Session(writing(engine)) as s:  # new settings: the running export makes every copy itself
        s.exec(select(Project)).one().delivery_profile = {"contents": "processed", "margin_mm": 6}
        s.commit()
    engine.dispose()
    mgr.click("#start-export")
    mgr.wait_for_selector("#export-bar")
    # While the export runs, its page and progress are read over and over (breakit-b16 #2: once a 500
    # `database is locked`): each read answers, with the last committed progress.
    seen = set()
    for _ in range(200):
        page = mgr.request.get(export_url)
        progress = mgr.request.get(export_url + "/progress")
        assert page.status == 200 and progress.status == 200, page.text()[:300]
        seen.add(progress.json()["status"])
        if progress.json()["status"] == "done":
            break
    assert "done" in seen, seen
    mgr.wait_for_selector("#export-status.status-done", timeout=90_000)  # the page reloads itself when done
    assert mgr.eval_on_selector("#export-bar", "b => [b.value, b.max]") == [9, 9]
    assert len(mgr.inner_text("#export-fingerprint")) == 64
    shot(mgr, "delivery-export-done")
    mgr.goto(f"{live_server.base_url}/delivery")
    shot(mgr, "delivery-home")
    mgr_ctx.close()
    cust_ctx.close()

    env = {**os.environ, "FOLIO_DATABASE_URL": live_server.database_url}
    verified = subprocess.run(
        [sys.executable, "-m", "app.cli", "delivery", "verify", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "package valid: 3 records, 9 pages" in verified.stdout
