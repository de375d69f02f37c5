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
    result = seed_demo(
        session,
        store=LocalImageStore(tmp_path),
        limits=UploadLimits(30_000_000, 60_000_000, 20_000),
        pages=60,
        today=date(2026, 11, 20),
        workers=1,
    )
    session.commit()
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
