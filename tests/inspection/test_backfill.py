"""`folio inspection backfill-hashes` on a real database: pages uploaded before hashing existed get the hash ingest
would have given them, batch by batch; a stopped run resumes; a file missing from the store is named."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from app.core.config import Settings
from app.core.storage import LocalImageStore
from app.inspection.backfill import backfill_hashes, count_unhashed
from app.inspection.models import PageHash
from app.pages.models import Page, PageImage
from tests.factories import page_jpeg, signed_in_station, upload

ROOT = Path(__file__).resolve().parents[2]


def _folio(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOLIO_DATABASE_URL": settings.database_url, "FOLIO_IMAGE_STORE": str(settings.image_store)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _hashes(db: Engine) -> dict[int, tuple[str, bool]]:
    with Session(db) as s:  # a reading session of its own: the test's writing session holds no lock meanwhile
        return {h.image_id: (h.phash, h.blank) for h in s.exec(select(PageHash))}


def _unhashed(db: Engine) -> int:
    with Session(db) as s:
        return count_unhashed(s)


class Stop(Exception):
    """Stands for the operator's Ctrl-C after the first batch."""


def test_backfill_gives_the_ingest_hash_resumes_and_names_missing_files(
    client: TestClient, session: Session, db: Engine, settings: Settings
) -> None:
    auth = signed_in_station(client, session)
    store = LocalImageStore(settings.image_store)
    for n in (1, 2, 3, 4):
        r = upload(client, auth, page_jpeg(40 + n), page=n, mrn="00077001")
        assert r.status_code == 201, r.text
    at_ingest = _hashes(db)
    assert len(at_ingest) == 4 and all(len(h) == 64 for h, _ in at_ingest.values())
    session.exec(delete(PageHash))  # as if the pages had been uploaded before hashing existed
    session.commit()
    assert _unhashed(db) == 4

    def stop_after_first(progress) -> None:  # noqa: ANN001
        raise Stop

    with pytest.raises(Stop):  # stopped after one committed batch of two
        backfill_hashes(db, store.path_of, workers=1, batch=2, progress=stop_after_first)
    assert len(_hashes(db)) == 2 and _unhashed(db) == 2

    done = _folio(settings, "inspection", "backfill-hashes", "--batch", "1", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "hashed 2 of 2 page images; 0 unreadable, 0 missing" in done.stdout
    assert "2/2 images" in done.stderr  # progress
    assert _hashes(db) == at_ingest  # the same hashes as ingest computed, blank flags included

    again = _folio(settings, "inspection", "backfill-hashes")
    assert again.returncode == 0 and "hashed 0 of 0" in again.stdout  # nothing left: nothing redone

    page = session.exec(select(Page).where(Page.page_number == 4)).one()
    image = session.get(PageImage, page.current_image_id)
    stored = store.path_of(image.sha256)
    kept = stored.read_bytes()
    session.exec(delete(PageHash).where(PageHash.image_id == image.id))
    session.commit()
    stored.unlink()
    try:
        missing = _folio(settings, "inspection", "backfill-hashes")
        assert missing.returncode == 1
        assert f"MISSING {image.sha256}" in missing.stdout and "1 missing from the store" in missing.stdout
        assert image.id not in _hashes(db)  # nothing invented for it
    finally:
        stored.write_bytes(kept)


def test_the_command_has_help_with_an_example(settings: Settings) -> None:
    r = _folio(settings, "inspection", "backfill-hashes", "--help")
    assert r.returncode == 0 and "folio inspection backfill-hashes --batch" in r.stdout


def test_bad_arguments_and_a_second_run_at_once_are_refused_cleanly(settings: Settings) -> None:
    for bad in (("--batch", "0"), ("--batch", "x"), ("--workers", "-1")):
        r = _folio(settings, "inspection", "backfill-hashes", *bad)
        assert r.returncode == 2 and bad[0] in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "must be at least 1, not 0" in _folio(settings, "inspection", "backfill-hashes", "--batch", "0").stderr
    import fcntl

    lock = Path(settings.image_store) / ".backfill-hashes.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as held:  # the first run, still working
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        second = _folio(settings, "inspection", "backfill-hashes")
    assert second.returncode == 3 and "is running on this image store" in second.stderr
    assert "Traceback" not in second.stderr and "IntegrityError" not in second.stderr
    assert _folio(settings, "inspection", "backfill-hashes").returncode == 0  # once the first is done
