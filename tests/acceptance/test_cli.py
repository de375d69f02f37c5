"""`folio lot verify-sample` and `folio lot report` through the real entry point, on a SQLite file."""

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.models import LotPage
from app.acceptance.seeding import fix_seed
from app.acceptance.service import current_round
from app.core.db import make_engine, writing
from app.core.migrate import upgrade
from tests.acceptance.helpers import T0, add_record, day, make_shop
from tests.live import ROOT


def _folio(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOLIO_DATABASE_URL": url, "FOLIO_MODE": "test"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def lot_db(tmp_path: Path):  # noqa: ANN201
    """A SQLite file with lot 1 applied and its sample drawn."""
    url = f"sqlite:///{tmp_path / 'folio.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(writing(engine), expire_on_commit=False) as session:
        shop = make_shop(session, sample_rate=Decimal("0.2"))
        for n in range(4):
            add_record(session, shop, f"C{n}", 9, T0 + timedelta(hours=n))
        lot = apply_for_acceptance(
            session,
            shop.project,
            period_end=day("2026-01-31"),
            actor=shop.actor(shop.manager),
            today=day("2026-02-02"),
            now=T0,
        )
        fix_seed(session, lot, "cli seed", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
        session.commit()
        round_id = current_round(session, lot).id
    yield url, engine, round_id
    engine.dispose()


def test_verify_sample_matches_then_finds_a_changed_manifest(lot_db) -> None:
    url, engine, round_id = lot_db
    ok = _folio(url, "lot", "verify-sample", "1")
    assert ok.returncode == 0, ok.stderr
    assert "36 pages" in ok.stdout and ok.stdout.count("matches") == 2 and ok.stdout.strip().endswith("OK")
    with Session(writing(engine)) as session:
        session.execute(
            update(LotPage)
            .where(col(LotPage.round_id) == round_id, col(LotPage.position) == 5)
            .values(image_sha256="0" * 64)
        )
        session.commit()
    bad = _folio(url, "lot", "verify-sample", "1", "--round", "1")
    assert bad.returncode == 1 and "DOES NOT MATCH" in bad.stdout and bad.stdout.strip().endswith("FAILED")
    missing = _folio(url, "lot", "verify-sample", "9")
    assert missing.returncode == 2 and "lot 9 does not exist" in missing.stderr


def test_report_as_html_and_pdf(lot_db, tmp_path: Path) -> None:
    url, _, _ = lot_db
    html = tmp_path / "r.html"
    r = _folio(url, "lot", "report", "1", "--output", str(html), "--lang", "en")
    assert r.returncode == 0, r.stderr
    text = html.read_text()
    assert "Acceptance report" in text and "cli seed" in text and "<style>" in text and "/static/" not in text
    pdf = tmp_path / "r.pdf"
    r = _folio(url, "lot", "report", "1", "--output", str(pdf))
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
