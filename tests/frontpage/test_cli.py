"""`folio frontpage read|progress` through the real command: progress per project; reading refused with OCR off."""

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from tests.acceptance.helpers import T0, add_record, make_shop

ROOT = Path(__file__).resolve().parents[2]


def _folio(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    env = {
        "FOLIO_DATABASE_URL": database_url,
        "FOLIO_AUDIT_KEY_FILE": os.environ["FOLIO_AUDIT_KEY_FILE"],
        "PATH": "/usr/bin:/bin",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_progress_and_reading_refused_when_ocr_is_off(session: Session, database_url: str) -> None:
    shop = make_shop(session, code="CLI1")
    add_record(session, shop, "30001", 3, T0)
    add_record(session, shop, "30002", 2, T0)
    session.commit()
    progress = _folio(database_url, "frontpage", "progress")
    assert progress.returncode == 0, progress.stderr
    assert "CLI1: 2 front pages, 0 read, 2 waiting, 0 unreadable, 0 failed" in progress.stdout
    off = _folio(database_url, "frontpage", "read", "--once", FOLIO_OCR="off")
    assert off.returncode == 2 and "front-page check is off" in off.stderr
