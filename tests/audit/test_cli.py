"""`folio audit verify` finds edited, deleted and reordered events in a real database, through the real command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.audit.service import record_event

ROOT = Path(__file__).resolve().parents[2]


def _folio(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        "FOLIO_DATABASE_URL": database_url,
        "FOLIO_AUDIT_KEY_FILE": os.environ["FOLIO_AUDIT_KEY_FILE"],
        "PATH": "/usr/bin:/bin",
    }
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
    assert r.returncode == 1 and "the tail was cut" in r.stdout


def _rehash_from(conn, first_id: int) -> None:  # noqa: ANN001
    """What a database writer without the key can do: recompute every SHA-256 link from an event on."""
    from app.audit.rules import event_hash
    from app.audit.service import iter_events

    with Session(bind=conn) as s:
        events = list(iter_events(s))
    prev = next((e["hash"] for e in events if e["id"] == first_id - 1), "0" * 64)
    for e in events:
        if e["id"] < first_id:
            continue
        e["prev_hash"] = prev
        e["hash"] = event_hash(prev, e)
        conn.execute(
            text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": e["prev_hash"], "h": e["hash"], "i": e["id"]},
        )
        prev = e["hash"]


def test_edited_and_rehashed_events_are_found_without_a_head(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET object_id = '99' WHERE id = 3"))
        _rehash_from(conn, 3)
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1, r.stdout
    assert "BROKEN at event 3" in r.stdout and "MAC is wrong" in r.stdout
    assert "edited" not in r.stdout.split("MAC")[0].split("event 3")[1]  # the SHA-256 links alone look fine


def test_an_empty_trail_is_not_intact(db: Engine, database_url: str, tmp_path: Path) -> None:
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "empty" in r.stdout and "intact" not in r.stdout, r.stdout
    head = tmp_path / "head.json"
    head.write_text(json.dumps({"id": 7, "hash": "ab" * 32, "at": "2026-11-30T00:00:00+00:00"}))
    r = _folio(database_url, "audit", "verify", "--head", str(head))
    assert r.returncode == 1 and "the audit trail is empty, but the exported head names event 7" in r.stdout


def test_a_rewritten_chain_of_the_same_length_differs_from_the_exported_head(
    chain, db: Engine, database_url: str, tmp_path: Path
) -> None:
    _folio(database_url, "audit", "export-head", "--out", str(tmp_path))
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET outcome = 'failure' WHERE id = 4"))
        _rehash_from(conn, 4)
    r = _folio(database_url, "audit", "verify", "--head", str(next(tmp_path.glob("*.json"))))
    assert r.returncode == 1 and "no longer has the exported head's hash" in r.stdout


def test_a_row_whose_detail_is_not_json_is_named_not_a_crash(chain, db: Engine, database_url: str) -> None:
    if db.dialect.name == "postgresql":
        pytest.skip("PostgreSQL's json type refuses such a row when it is written")
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET detail = '{not json' WHERE id = 2"))
        conn.execute(text("UPDATE audit_event SET at = 'yesterday' WHERE id = 4"))
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "BROKEN at event 2 (position 1): malformed row: its detail is not JSON" in r.stdout
    assert "BROKEN at event 4 (position 3): malformed row: its time is not a date and time" in r.stdout
    assert "BROKEN at event 3" not in r.stdout  # the check goes on after a damaged row, and 3 is fine


def test_a_bad_head_file_is_a_clean_error(chain, database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "head.json"
    bad.write_text("[1, 2")
    r = _folio(database_url, "audit", "verify", "--head", str(bad))
    assert r.returncode == 2 and "cannot read the head file" in r.stderr and "Traceback" not in r.stderr


def test_events_from_before_the_key_are_sealed_once_by_rekey(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET mac = NULL"))  # as the upgrade leaves them
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and r.stdout.count("carries no MAC") == 5
    sealed = _folio(database_url, "audit", "rekey")
    assert sealed.returncode == 0 and "5 events sealed" in sealed.stdout, sealed.stderr
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 0 and "audit trail intact: 6 events" in r.stdout, r.stdout  # + the audit.rekey event


def test_rekey_refuses_a_broken_chain(chain, db: Engine, database_url: str) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET mac = NULL"))
        conn.execute(text("UPDATE audit_event SET object_id = '99' WHERE id = 3"))
    r = _folio(database_url, "audit", "rekey")
    assert r.returncode == 2 and "broken at event 3" in r.stderr and "nothing was sealed" in r.stderr
    with db.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event WHERE mac IS NOT NULL")).scalar() == 0


def test_verify_with_another_key_finds_every_event(chain, database_url: str, tmp_path: Path) -> None:
    env_key = tmp_path / "other.key"
    env_key.write_text("11" * 32 + "\n")
    env_key.chmod(0o600)
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify"],
        cwd=ROOT,
        env={"FOLIO_DATABASE_URL": database_url, "FOLIO_AUDIT_KEY_FILE": str(env_key), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and r.stdout.count("MAC is wrong") == 5


def test_rekey_never_seals_events_stripped_of_their_mac_after_keyed_ones(chain, db: Engine, database_url: str) -> None:
    """A break-it review forged event 3, re-hashed the chain, blanked the MACs from there and ran rekey."""
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET mac = NULL WHERE id >= 3"))
    r = _folio(database_url, "audit", "rekey")
    assert r.returncode == 2 and "comes after keyed events" in r.stderr and "nothing was sealed" in r.stderr
    with db.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event WHERE mac IS NULL")).scalar() == 3


def test_a_row_with_bytes_that_are_not_utf8_is_named_not_a_crash(chain, db: Engine, database_url: str) -> None:
    if db.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses text that is not in the database's encoding")
    with db.begin() as conn:
        conn.execute(text("UPDATE audit_event SET object_id = CAST(X'3299' AS TEXT) WHERE id = 3"))
    r = _folio(database_url, "audit", "verify")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "BROKEN at event 3" in r.stdout and "edited" in r.stdout, r.stdout
