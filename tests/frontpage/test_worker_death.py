"""An OCR worker that dies (kill -9, the OOM killer): the pool is rebuilt, the page waits again, and after
MAX_ATTEMPTS it is "failed" with its reason until `folio frontpage read --retry-failed` puts it back."""

import os
import signal

import cv2
import numpy as np
import pytest
from sqlmodel import Session, select

from app.core.storage import LocalImageStore
from app.frontpage import checks
from app.frontpage.exceptions import WorkerDied
from app.frontpage.models import FrontPageReading
from app.frontpage.reading import MAX_ATTEMPTS, RETRY, progress, retry_failed, run_once
from app.pages.models import Page, PageImage
from tests.acceptance.helpers import T0, add_record, make_shop


def _records(session, store, n: int, data: bytes) -> list:
    shop = make_shop(session)
    stored = store.put(data)
    records = [add_record(session, shop, f"{81000 + i}", 1, T0) for i in range(n)]
    session.flush()
    ids = [r.id for r in records]
    for image in session.exec(
        select(PageImage).join(Page, Page.id == PageImage.page_id).where(Page.record_id.in_(ids))
    ):
        image.sha256 = stored.sha256
        session.add(image)
    session.commit()
    return records


def _rows(db) -> dict[int, FrontPageReading]:
    with Session(db) as s:
        return {r.record_id: r for r in s.exec(select(FrontPageReading))}


def _blank_jpeg() -> bytes:
    return cv2.imencode(".jpg", np.full((120, 200, 3), 255, np.uint8))[1].tobytes()


def test_a_killed_worker_is_replaced_and_its_page_read_again(db, session, tmp_path) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    from app.frontpage.ocr import OcrPool

    store = LocalImageStore(tmp_path / "images")
    first, second = _records(session, store, 2, _blank_jpeg())
    pool = OcrPool(1, 1, 50_000_000)
    kills = []

    def reader(data: bytes, skew: float | None) -> dict:
        if not kills:  # the first page: its worker is killed while it reads
            pid = pool.worker_pid()
            os.kill(pid, signal.SIGKILL)
            kills.append(pid)
        return pool.read(data, skew)

    try:
        assert run_once(db, store, reader) == 2
        rows = _rows(db)
        assert (rows[first.id].status, rows[first.id].attempts) == (RETRY, 1)
        assert "WorkerDied" in rows[first.id].error
        assert rows[second.id].status == "unreadable"  # read by the rebuilt pool: a blank page, not a failure
        assert pool.worker_pid() != kills[0]
        with Session(db) as s:
            assert progress(s, first.project_id).waiting == 1
        assert run_once(db, store, reader) == 1
        rows = _rows(db)
        assert (rows[first.id].status, rows[first.id].attempts) == ("unreadable", 2)
    finally:
        pool.close()


def _dies(data: bytes, skew: float | None) -> dict:
    raise WorkerDied("an OCR worker process died (killed)")


def test_after_max_attempts_failed_with_its_reason_and_retry_failed_requeues(db, session, tmp_path) -> None:
    store = LocalImageStore(tmp_path / "images")
    (record,) = _records(session, store, 1, _blank_jpeg())
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert run_once(db, store, _dies) == 1
        row = _rows(db)[record.id]
        assert row.attempts == attempt
        assert row.status == (RETRY if attempt < MAX_ATTEMPTS else "failed")
    assert "died" in row.error and row.current
    assert run_once(db, store, _dies) == 0  # failed stays failed
    with Session(db) as s:
        view = checks.record_view(s, s.get(type(record), record.id))
        assert view.check.outcome == "unreadable"
        states = {f.field: f.state for f in view.check.fields if f.recorded}
        assert states and set(states.values()) == {"not_read"}  # never "not found on the page"
        assert progress(s, record.project_id).failed == 1

    assert retry_failed(db) == 1
    row = _rows(db)[record.id]
    assert (row.status, row.attempts, row.current) == (RETRY, 0, False)
    with Session(db) as s:
        assert progress(s, record.project_id).waiting == 1
    assert run_once(db, store, lambda d, s: {"error": "unreadable_image"}) == 1
    assert _rows(db)[record.id].status == "unreadable"
