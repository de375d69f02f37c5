"""The reading job starts with the server only when OCR is on, installed and given workers; it stops cleanly."""

import pytest
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.storage import LocalImageStore
from app.frontpage.background import start_reading, stop_reading
from app.frontpage.ocr import status


def test_off_or_without_workers_nothing_starts(db: Engine, settings: Settings, tmp_path) -> None:
    store = LocalImageStore(tmp_path)
    assert status("off") == "off" and status("OFF ") == "off"
    assert start_reading(settings.model_copy(update={"ocr": "off", "ocr_workers": 1}), db, store) is None
    assert start_reading(settings.model_copy(update={"ocr": "on", "ocr_workers": 0}), db, store) is None


def test_on_it_runs_in_the_background_and_stops(db: Engine, settings: Settings, tmp_path) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    assert status("on") == "on"
    running = start_reading(
        settings.model_copy(update={"ocr": "on", "ocr_workers": 1, "ocr_poll_seconds": 0.1}),
        db,
        LocalImageStore(tmp_path),
    )
    assert running is not None and running.job._thread.is_alive()
    stop_reading(running)
    assert not running.job._thread.is_alive()
