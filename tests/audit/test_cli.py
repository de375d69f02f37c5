"""`folio audit verify` finds edited, deleted and reordered events in a real database, through the real command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.audit.service import record_event

ROOT = Path(__file__).resolve().parents[2]


def _folio(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"FOLIO_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def chain(session: Session) -> None:
    for i in range(5):
        record_event(session, "page.upload", object_type="page", object_id=i, detail={"n": i})
    session.commit()


def test_intact_chain_and_exported_head(chain, database_url: str, tmp_path: Path) -> None:
    ok = _folio(database_url, "audit", "verify")
    assert ok.returncode == 0 and "audit trail intact: 5 events" in ok.stdout, ok.stdout + ok.stderr
    exported = _folio(database_url, "audit", "export-head", "--out", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    head_file = next(tmp_path.glob("audit-head-*.json"))
    assert json.loads(head_file.read_text())["id"] == 5
    assert _folio(database_url, "audit", "verify", "--head", str(head_file)).returncode == 0


def test_edited_event_is_found(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET object_id = '99' WHERE id = 3"))
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "BROKEN at event 3" in r.stdout and "edited" in r.stdout


def test_deleted_event_is_found(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = 2"))
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "BROKEN at event 3" in r.stdout and "missing" in r.stdout


def test_reordered_events_are_found(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:  # swap the contents of events 2 and 4, ids kept: the order of what happened changes
        rows = {r.id: r for r in conn.execute(text("SELECT * FROM audit_event WHERE id IN (2, 4)"))}
        for target, source in ((2, 4), (4, 2)):
            conn.execute(
                text("UPDATE audit_event SET object_id = :o, detail = :d, hash = :h, prev_hash = :p WHERE id = :i"),
                {
                    "o": rows[source].object_id,
                    "d": json.dumps(rows[source].detail)
                    if not isinstance(rows[source].detail, str)
                    else rows[source].detail,
                    "h": f"tmp{target}",
                    "p": rows[source].prev_hash,
                    "i": target,
                },
            )
        conn.execute(text("UPDATE audit_event SET hash = :h WHERE id = 2"), {"h": rows[4].hash})
        conn.execute(text("UPDATE audit_event SET hash = :h WHERE id = 4"), {"h": rows[2].hash})
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "BROKEN at event 2" in r.stdout


def test_truncated_tail_is_found_with_the_exported_head(chain, db: Engine, database_url: str, tmp_path: Path) -> None:
    _folio(database_url, "audit", "export-head", "--out", str(tmp_path))
    with db.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = 5"))
    assert _folio(database_url, "audit", "verify").returncode == 0  # the chain alone cannot see a cut tail
    r = _folio(database_url, "audit", "verify", "--head", str(next(tmp_path.glob("*.json"))))
    assert r.returncode == 1 and "no longer in the chain" in r.stdout
