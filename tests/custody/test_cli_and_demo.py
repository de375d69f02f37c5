"""A project made with `folio project create` requires check-out; the demo's records are checked out, captured,
boxed, shelved, partly returned, and have front pages and segment marks."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from app.core.storage import LocalImageStore
from app.custody.models import Box, CustodySettings, Handover, RecordCustody
from app.custody.outstanding import outstanding
from app.demo.service import seed_demo
from app.frontpage.models import FrontPage
from app.pages.models import Page
from app.pages.service import UploadLimits
from app.projects.models import Project

ROOT = Path(__file__).resolve().parents[2]


def test_project_create_switches_the_checkout_rule_on(tmp_path: Path) -> None:
    env = {**os.environ, "FOLIO_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}", "FOLIO_IMAGE_STORE": str(tmp_path)}

    def folio(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert folio("db", "upgrade").returncode == 0
    made = folio("project", "create", "--code", "SZH", "--name", "某医院", "--start", "2026-12-01")
    assert made.returncode == 0, made.stderr
    assert "check-out" in made.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "f.db") as db:
        assert db.execute("select require_checkout, overdue_days from custody_settings").fetchall() == [(1, 14)]


def test_demo_paper(session: Session, tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    result = seed_demo(
        session,
        store=LocalImageStore(tmp_path),
        limits=UploadLimits(30_000_000, 60_000_000, 20_000),
        pages=60,
        today=date(2026, 11, 20),
        workers=1,
        progress=lambda step, done, total: heard.append((step, done, total)),
    )
    session.commit()
    # The CLI's progress bar hears every page image, drawn and stored.
    assert heard[-1] == ("ingest", 60, 60) and ("render", 60, 60) in heard
    assert [d for s, d, _ in heard if s == "render"] == list(range(1, 61))
    project = session.get(Project, result.project_id)
    assert session.exec(select(CustodySettings)).one().require_checkout
    states = [c.state for c in session.exec(select(RecordCustody))]
    assert states.count("in") >= 1 and set(states) <= {"in", "out"}
    kinds = sorted((h.kind, h.status) for h in session.exec(select(Handover)))
    assert kinds == [("checkout", "confirmed"), ("checkout", "confirmed"), ("return", "confirmed")]
    assert session.exec(select(Box)).all()
    assert len(session.exec(select(FrontPage)).all()) == len(states)
    assert session.exec(select(Page).where(Page.page_number == 1, col(Page.segment).is_(None))).all() == []
    out = outstanding(session, project, now=project.created_at)
    assert out.out == states.count("out")


def test_demo_has_a_checked_out_record_ready_for_the_station_and_pages_carry_their_numbers(
    session: Session, tmp_path: Path
) -> None:
    from datetime import timedelta

    from app.core.storage import sha256_hex
    from app.demo.pages import demo_page
    from app.demo.service import STATION_READY, _page_plan
    from app.pages.models import PageImage
    from app.records.models import Record

    today = date(2026, 11, 20)
    result = seed_demo(
        session,
        store=LocalImageStore(tmp_path),
        limits=UploadLimits(30_000_000, 60_000_000, 20_000),
        pages=40,
        today=today,
        workers=1,
    )
    session.commit()
    assert result.station_barcode == "00990001-1"
    record = session.exec(select(Record).where(Record.mrn == STATION_READY[0], Record.visit == STATION_READY[1])).one()
    custody = session.exec(select(RecordCustody).where(RecordCustody.record_id == record.id)).one()
    assert custody.state == "out"  # checked out to the vendor: the station may open it
    assert session.exec(select(Page).where(Page.record_id == record.id)).all() == []  # and nothing captured yet

    # Every demo image is drawn with the page number it is filed under ("病案 第18页" is page 18).
    project = session.get(Project, result.project_id)
    plan = _page_plan(40, [today - timedelta(days=d) for d in range(6, -1, -1)], project.timezone, seed=2026)
    item = next(i for i in plan if i["page"] == 3 and not i["blur"] and not i["dark"])
    page = session.exec(
        select(Page).join(Record).where(Record.mrn == item["mrn"], Record.visit == item["visit"], Page.page_number == 3)
    ).one()
    image = session.get(PageImage, page.current_image_id)
    assert image.sha256 == sha256_hex(demo_page(item["seed"], page=3))
    assert demo_page(item["seed"], page=3) != demo_page(item["seed"], page=18)
