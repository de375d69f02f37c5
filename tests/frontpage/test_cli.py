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


def test_recheck_clears_alarms_stored_under_the_old_rules(session: Session, database_url: str) -> None:
    """A reading stored while a visit read "T" for "1" raised the wrong-record alarm (breakit b18) keeps its
    stored outcome until its record changes; `folio frontpage recheck` compares it again under today's rules."""
    from tests.frontpage.test_check_views import _fields, _read

    shop = make_shop(session, code="CLI2")
    record = add_record(session, shop, "30003", 3, T0)
    session.commit()
    reading = _read(session, record, _fields("30003", visit="T", discharge_date="", name="测试"))
    reading.wrong_record, reading.outcome = True, "mismatch"  # as the old rule stored it
    session.add(reading)
    session.commit()
    done = _folio(database_url, "frontpage", "recheck")
    assert done.returncode == 0, done.stderr
    assert "compared again: 1; possibly the wrong record's page: 1 → 0" in done.stdout
    session.refresh(reading)
    assert not reading.wrong_record and reading.outcome != "mismatch"
