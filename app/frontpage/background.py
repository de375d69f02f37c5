"""Starting and stopping the front-page reading job with the server (edge code: reads the settings)."""

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from app.core.config import Settings
from app.core.storage import LocalImageStore
from app.frontpage.ocr import OcrPool, status
from app.frontpage.reading import ReadingJob

log = logging.getLogger(__name__)


@dataclass
class Running:
    """The job's thread and its OCR worker processes."""

    job: ReadingJob
    pool: OcrPool


def start_reading(settings: Settings, engine: Engine, store: LocalImageStore) -> Running | None:
    """Start the job when OCR is on, installed and given workers; None otherwise (the screens say why)."""
    state = status(settings.ocr)
    if state != "on" or settings.ocr_workers < 1:
        log.info("front-page OCR not started: %s, %s workers", state, settings.ocr_workers)
        return None
    pool = OcrPool(settings.ocr_workers, settings.ocr_threads, settings.max_image_pixels)
    job = ReadingJob(engine, store, pool.read, settings.ocr_poll_seconds)
    job.start()
    return Running(job, pool)


def stop_reading(running: Running | None) -> None:
    """Stop the job after its current page, then its workers."""
    if running is not None:
        running.job.stop()
        running.pool.close()
