"""The front-page reading job: finds each record's front page, has it read by the OCR pool, keeps the reading.

State lives in the database (`front_page_reading`, one row per image, unique): a page image is claimed by
inserting its row, read, and the row finished; a server restart picks up where it stopped, and an image whose
reading finished is never read again. A claim left by a worker that died is taken over: at once when the worker
ran on this host (app.core.liveness), else when it is older than STALE_SECONDS. The front page of a record is its
page marked with the 首页 segment (by name, or by its number in the project's segment list), else its page 1.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, literal_column, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

import app.models  # noqa: F401  (every table: the job may run in a CLI process that imported none)
from app.core.clock import utcnow
from app.core.db import writing
from app.core.liveness import gone, worker_name
from app.core.storage import LocalImageStore
from app.delivery.segments import scheme
from app.frontpage.checks import RecordView, finish, record_view
from app.frontpage.exceptions import WorkerDied
from app.frontpage.models import FrontPageReading
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record

log = logging.getLogger(__name__)
FRONT_SEGMENT = "首页"
STALE_SECONDS = 15 * 60  # a claim older than this belongs to a worker that died
MAX_ATTEMPTS = 3  # reads of one page whose OCR worker died before the page is "failed"
RETRY = "retry"  # a page whose worker died: waiting again, taken before new pages
BATCH = 8
Reader = Callable[[bytes, float | None], dict[str, Any]]


@dataclass(frozen=True)
class Progress:
    """How far reading has got in a project: front pages found, read, left, and the unreadable/failed ones."""

    front_pages: int
    read: int
    unreadable: int
    failed: int
    reading: int

    @property
    def waiting(self) -> int:
        """Front pages not read yet."""
        return max(0, self.front_pages - self.read - self.unreadable - self.failed)


def front_marks(segments: list[str]) -> list[str]:
    """The marks that open the front-page segment: its name and its number in the list (1-based)."""
    if FRONT_SEGMENT not in segments:
        return [FRONT_SEGMENT]
    return [FRONT_SEGMENT, str(segments.index(FRONT_SEGMENT) + 1)]


def _candidate(page) -> Any:  # noqa: ANN001  (Page or an alias of it)
    """The condition of ix_page_front_candidate (migration 6b1d0e4f2a37), written as the index writes it: SQLite
    uses a partial index only for a query that repeats its WHERE terms, with the literal 1."""
    return and_(
        col(page.deleted_at).is_(None), or_(page.page_number == literal_column("1"), col(page.segment).is_not(None))
    )


def _front_pages(project_id: int, marks: list[str], what: Any = Page):  # noqa: ANN202  (a select of `what`)
    """The project's live front pages: marked 首页, else page 1 of a record with no page so marked. Both the pages
    and the marked pages looked for are read from ix_page_front_candidate, within the project (a record is in one
    project), so an idle poll reads the project's candidates only, not every page (bench/frontpage_poll.py)."""
    other = aliased(Page)
    marked = select(other.id).where(
        other.record_id == Page.record_id,
        other.project_id == project_id,
        _candidate(other),
        col(other.segment).in_(marks),
    )
    return select(what).where(
        Page.project_id == project_id,
        _candidate(Page),
        col(Page.current_image_id).is_not(None),
        or_(col(Page.segment).in_(marks), and_(Page.page_number == 1, ~marked.exists())),
    )


def waiting_query(project_id: int, marks: list[str], limit: int):  # noqa: ANN201  (a select of Page.id)
    """The job's poll (bench/frontpage_poll.py shows its plans): the ids of front pages that passed QC and whose
    current image has no reading yet, oldest record first. Only ids: PostgreSQL answers it from
    ix_page_front_candidate alone (an index-only scan), without visiting each candidate page's row."""
    read = select(FrontPageReading.id).where(FrontPageReading.image_id == Page.current_image_id)
    stmt = _front_pages(project_id, marks, Page.id).where(col(Page.qc_passed).is_(True), ~read.exists())
    return stmt.order_by(col(Page.record_id), col(Page.page_number)).limit(limit)


def waiting_pages(session: Session, project_id: int, marks: list[str], limit: int) -> list[Page]:
    """Front pages that passed QC and whose current image has no reading yet, oldest record first."""
    ids = list(session.exec(waiting_query(project_id, marks, limit)))
    if not ids:
        return []
    pages = select(Page).where(col(Page.id).in_(ids))
    return list(session.exec(pages.order_by(col(Page.record_id), col(Page.page_number))))


def failed_front_page(session: Session, project_id: int, record_id: int) -> int | None:
    """The page number of the record's front page when its current image failed QC (it is never read: a re-shoot
    that passes is), else None."""
    marks = front_marks(scheme(session, project_id).segments)
    stmt = _front_pages(project_id, marks, Page).where(Page.record_id == record_id)
    page = session.exec(stmt.order_by(col(Page.page_number)).limit(1)).first()
    return page.page_number if page is not None and not page.qc_passed else None


def front_page_view(session: Session, record: Record) -> RecordView:
    """checks.record_view, and when the record has no reading because its front page failed QC, that page."""
    view = record_view(session, record)
    if view.reading is not None:
        return view
    return replace(view, failed_qc_page=failed_front_page(session, record.project_id, record.id))


def progress(session: Session, project_id: int) -> Progress:
    """The project's reading progress (counts over current front pages)."""
    marks = front_marks(scheme(session, project_id).segments)
    pages = _front_pages(project_id, marks).where(col(Page.qc_passed).is_(True)).subquery()
    total = session.exec(select(func.count()).select_from(pages)).one()
    rows = session.exec(
        select(FrontPageReading.status, func.count())
        .join(pages, pages.c.current_image_id == FrontPageReading.image_id)
        .group_by(FrontPageReading.status)
    ).all()
    by = dict(rows)
    return Progress(total, by.get("done", 0), by.get("unreadable", 0), by.get("failed", 0), by.get("reading", 0))


def _claim_new(engine: Engine, page: Page, worker: str, now: datetime) -> int | None:
    with Session(writing(engine)) as session:
        row = FrontPageReading(
            project_id=page.project_id,
            record_id=page.record_id,
            page_id=page.id,
            image_id=page.current_image_id,
            status="reading",
            attempts=1,
            claimed_by=worker,
            claimed_at=now,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # another worker claimed this image first
            session.rollback()
            return None
        return row.id


def _claim_stale(engine: Engine, worker: str, now: datetime, limit: int) -> list[int]:
    """Take over claims whose worker died, and pages waiting again (RETRY); each is taken by one worker only (a
    conditional update). A claim is the dead worker's when its process on this host is gone (a server killed
    while reading: its pages are read again at the next start, not STALE_SECONDS later), or when it is older than
    STALE_SECONDS (a worker on another host, which this one cannot see)."""
    stale = now - timedelta(seconds=STALE_SECONDS)
    reading = FrontPageReading.status == "reading"
    with Session(engine) as session:  # reads first: an idle job takes no write lock
        holders = session.exec(select(FrontPageReading.claimed_by).where(reading).distinct()).all()
        dead = gone(holders)
        takeable = or_(
            FrontPageReading.status == RETRY,
            and_(reading, or_(col(FrontPageReading.claimed_at) < stale, col(FrontPageReading.claimed_by).in_(dead))),
        )
        ids = session.exec(select(FrontPageReading.id).where(takeable).limit(limit)).all()
    taken: list[int] = []
    if not ids:
        return taken
    with Session(writing(engine)) as session:
        for reading_id in ids:
            result = session.execute(
                update(FrontPageReading)
                .where(col(FrontPageReading.id) == reading_id, takeable)
                .values(status="reading", claimed_by=worker, claimed_at=now, attempts=FrontPageReading.attempts + 1)
            )
            if result.rowcount == 1:
                taken.append(reading_id)
        session.commit()
    return taken


def _image_of(session: Session, store: LocalImageStore, reading: FrontPageReading) -> tuple[bytes, float | None]:
    """The image to read and its measured skew: the page's master, straightened by qc's angle."""
    image = session.get(PageImage, reading.image_id)
    assert image is not None
    skew = (image.qc_metrics or {}).get("skew_deg")
    return store.get(image.sha256), (float(skew) if skew is not None else None)


def read_one(engine: Engine, store: LocalImageStore, reading_id: int, reader: Reader) -> str:
    """Read one claimed image and finish its row; the status it ends with. The claim's time is set as the read
    starts (a crash leaves it stale STALE_SECONDS after this page began, not after its batch began). When the OCR
    worker died the page waits again (RETRY) until MAX_ATTEMPTS reads, then it is "failed" with the reason."""
    with Session(writing(engine)) as session:
        started_at = update(FrontPageReading).where(col(FrontPageReading.id) == reading_id)
        session.execute(started_at.values(claimed_at=utcnow()))
        session.commit()
    with Session(engine) as session:
        reading = session.get(FrontPageReading, reading_id)
        assert reading is not None
        started, died = time.monotonic(), False
        try:
            data, skew = _image_of(session, store, reading)
            result = reader(data, skew)
            error = result.get("error")
        except Exception as exc:  # noqa: BLE001  (the engine, a worker or the store: kept, the job goes on)
            log.warning("front-page reading %s failed: %s", reading_id, exc)
            died = isinstance(exc, WorkerDied)
            result, error = {}, f"failed: {type(exc).__name__}: {exc}"[:500]
    with Session(writing(engine)) as session:
        reading = session.get(FrontPageReading, reading_id)
        assert reading is not None
        if died and reading.attempts < MAX_ATTEMPTS:
            reading.status, reading.error, reading.claimed_by = RETRY, error, None
            session.add(reading)
            session.commit()
            return RETRY
        lines, fields = result.get("lines", []), result.get("fields", {})
        if error and error.startswith("failed"):
            reading.status = "failed"
        elif error or not lines or not fields:
            reading.status = "unreadable"
        else:
            reading.status = "done"
        reading.error = error
        reading.lines, reading.fields = lines, fields
        reading.width, reading.height = (result.get("size") or [None, None])[:2]
        reading.read_at, reading.seconds = utcnow(), round(time.monotonic() - started, 3)
        session.add(reading)
        finish(session, reading)
        session.commit()
        return reading.status


class Turns:
    """Whose pages go first in the next batch: the project after the last one served, in id order (round robin
    over the batches, so a project with a backlog never holds the others back)."""

    def __init__(self) -> None:
        self.last: int | None = None

    def order(self, project_ids: list[int]) -> list[int]:
        """The project ids, sorted, starting after the last project served."""
        ids = sorted(project_ids)
        cut = next((i for i, p in enumerate(ids) if self.last is not None and p > self.last), 0)
        return ids[cut:] + ids[:cut]


def _fair_batch(session: Session, turns: Turns, limit: int) -> list[Page]:
    """Up to `limit` waiting front pages, dealt round robin across the projects that have some, starting with the
    project after the last one served: with 2 projects and limit 8, 4 pages each when both have 4 or more."""
    waiting: list[list[Page]] = []
    for project_id in turns.order(list(session.exec(select(Project.id)).all())):
        if len(waiting) >= limit:
            break  # each of `limit` projects already has a page in this batch
        marks = front_marks(scheme(session, project_id).segments)
        pages = waiting_pages(session, project_id, marks, limit)
        if pages:
            waiting.append(pages)
    dealt: list[Page] = []
    for turn in range(limit):
        for pages in waiting:
            if turn < len(pages) and len(dealt) < limit:
                dealt.append(pages[turn])
    return dealt


def run_once(
    engine: Engine,
    store: LocalImageStore,
    reader: Reader,
    *,
    limit: int = BATCH,
    stop: threading.Event | None = None,
    turns: Turns | None = None,
) -> int:
    """Read up to `limit` front pages: stale claims and retries first, then waiting pages dealt round robin across
    the projects (_fair_batch; `turns` carries whose turn it is from one batch to the next: the job keeps one, a
    call without one starts at the lowest project id). Returns how many were read."""
    turns = turns if turns is not None else Turns()
    worker, now = worker_name(), utcnow()
    claimed = _claim_stale(engine, worker, now, limit)
    if len(claimed) < limit:
        with Session(engine) as session:
            for page in _fair_batch(session, turns, limit - len(claimed)):
                reading_id = _claim_new(engine, page, worker, now)
                if reading_id is not None:
                    claimed.append(reading_id)
                    turns.last = page.project_id
    done = 0
    for reading_id in claimed:
        if stop is not None and stop.is_set():
            break  # the claims left are taken over after STALE_SECONDS, or at once by release()
        read_one(engine, store, reading_id, reader)
        done += 1
    release(engine, worker)
    return done


def retry_failed(engine: Engine) -> int:
    """Put every failed reading back to waiting, with its attempts counted afresh; how many."""
    with Session(writing(engine)) as session:
        result = session.execute(
            update(FrontPageReading)
            .where(FrontPageReading.status == "failed")
            .values(status=RETRY, attempts=0, claimed_by=None, current=False, outcome=None, wrong_record=False)
        )
        session.commit()
        return result.rowcount


def release(engine: Engine, worker: str) -> int:
    """Give back this worker's unfinished claims (on a clean stop), so the next run reads them at once."""
    mine = select(FrontPageReading).where(FrontPageReading.status == "reading", FrontPageReading.claimed_by == worker)
    with Session(engine) as session:
        if session.exec(mine.limit(1)).first() is None:
            return 0
    with Session(writing(engine)) as session:
        rows = session.exec(mine).all()
        for row in rows:
            session.delete(row)
        session.commit()
        return len(rows)


class ReadingJob:
    """The background thread of a server process: reads waiting front pages, sleeps when there are none."""

    def __init__(self, engine: Engine, store: LocalImageStore, reader: Reader, poll_seconds: float = 10.0) -> None:
        self.engine, self.store, self.reader, self.poll_seconds = engine, store, reader, poll_seconds
        self.stop_event = threading.Event()
        self.turns = Turns()
        self._thread = threading.Thread(target=self._run, name="frontpage-ocr", daemon=True)

    def start(self) -> None:
        """Start reading in the background."""
        self._thread.start()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                n = run_once(self.engine, self.store, self.reader, stop=self.stop_event, turns=self.turns)
            except Exception:  # noqa: BLE001  (a database hiccup: try again after a pause)
                log.exception("front-page reading job")
                n = 0
            if n == 0:
                self.stop_event.wait(self.poll_seconds)

    def wait(self) -> None:
        """Block until the thread ends (after stop())."""
        self._thread.join()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop after the page it is reading, and wait for it."""
        self.stop_event.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
