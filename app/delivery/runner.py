"""The export worker: writes a delivery package record by record, reporting progress, resumable at any point.

A record counts as done only after its files are fsynced under their final names and the database says so;
an interrupted export (stopped, crashed, killed) is taken up again and redoes only the records not done.
"""

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

import app.models  # noqa: F401  (every table: the worker may run in a CLI process that imported none)
from app.audit.service import record_event
from app.core.clock import utcnow
from app.core.db import writing
from app.core.liveness import worker_name
from app.core.storage import LocalImageStore
from app.delivery.contents import contents_of, make_missing_copies
from app.delivery.failures import INTERRUPTED, export_failure, failure_detail, stored
from app.delivery.metadata import (
    PACKAGE_FIELDS,
    PACKAGE_NAME,
    PAGE_FIELDS,
    PAGES_NAME,
    MetadataFile,
    package_row,
    page_rows,
)
from app.delivery.mets import METS_DIR, record_mets
from app.delivery.models import DeliveryExport, DeliveryRecord, ExportStatus
from app.delivery.package import (
    BagWriter,
    IndexRow,
    PackageError,
    PageIndex,
    PlannedRecord,
    WrittenRecord,
    write_atomic,
    write_front_page_index,
)
from app.delivery.planning import RecordFailure, plan_or_failure, write_or_failure, written_files
from app.delivery.service import STALE_SECONDS, profile_words
from app.frontpage.models import FrontPage
from app.projects.models import Project
from app.records.models import Record

log = logging.getLogger(__name__)
BATCH = 16
HEARTBEAT_SECONDS = 10  # well under service.STALE_SECONDS, after which a silent worker counts as gone
DEFAULT_THREADS = min(4, os.cpu_count() or 1)  # records written at once; the disk is the limit beyond a few


@dataclass(frozen=True)
class Progress:
    """How far an export has got."""

    export_id: int
    status: str
    records_done: int
    record_count: int
    pages_done: int
    page_count: int
    bytes_done: int


class Interrupted(Exception):
    """The export was asked to stop; it is left queued, to be resumed."""


class TakenOver(Exception):
    """Another worker holds the export now: this one stops without touching it."""


def claim(engine: Engine, export_id: int, worker: str, now: datetime) -> bool:
    """Take the export for this worker, unless another live worker holds it or it is finished or not approved."""
    stale = now - timedelta(seconds=STALE_SECONDS)
    with Session(writing(engine)) as session:
        result = session.execute(
            update(DeliveryExport)
            .where(
                col(DeliveryExport.id) == export_id,
                or_(
                    col(DeliveryExport.status).in_([ExportStatus.queued, ExportStatus.failed]),
                    (col(DeliveryExport.status) == ExportStatus.running)
                    & (col(DeliveryExport.heartbeat_at).is_(None) | (col(DeliveryExport.heartbeat_at) < stale)),
                ),
            )
            .values(status=ExportStatus.running, worker=worker, heartbeat_at=now, error=None)
        )
        export = session.get(DeliveryExport, export_id)
        if result.rowcount == 1 and export is not None and export.started_at is None:
            export.started_at = now
            session.add(export)
        session.commit()
        return result.rowcount == 1


def run_export(
    engine: Engine,
    store: LocalImageStore,
    export_id: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    threads: int = DEFAULT_THREADS,
    fsync: bool = True,
) -> Progress:
    """Write (or go on writing) an export's package; returns where it ended. Raises nothing for package errors:
    they leave the export failed, with the reason, to be resumed once fixed."""
    worker = worker_name()
    if not claim(engine, export_id, worker, utcnow()):
        return progress_of(engine, export_id)
    beating = threading.Event()
    heart = threading.Thread(
        target=_heartbeat,
        args=(engine, export_id, worker, beating),
        daemon=True,
        name=f"delivery-{export_id}-heartbeat",
    )
    heart.start()
    try:
        make_missing_copies(engine, export_id, store)  # issue 16: the processed pages the package holds
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            while True:
                if stop is not None and stop.is_set():
                    raise Interrupted()
                with Session(engine, expire_on_commit=False) as session:
                    export = session.get(DeliveryExport, export_id)
                    assert export is not None
                    root = Path(export.target)
                    items = session.exec(
                        select(DeliveryRecord)
                        .where(
                            DeliveryRecord.export_id == export_id,
                            col(DeliveryRecord.done).is_(False),
                            col(DeliveryRecord.error).is_(None),
                        )
                        .order_by(col(DeliveryRecord.id))
                        .limit(BATCH)
                    ).all()
                    plans = [plan_or_failure(session, export, item, store) for item in items]
                if not plans:
                    break
                # Files are written without an fsync each; one sync of the disks before the database says
                # "done" makes the whole batch durable at once (a record not marked done is rewritten on resume).
                written = list(pool.map(partial(write_or_failure, root), plans))
                if fsync:
                    os.sync()
                _mark_done(engine, export_id, items, plans, written, worker)
                if on_progress:
                    on_progress(progress_of(engine, export_id))
        _finish(engine, export_id)
    except Interrupted:
        _release(engine, export_id, worker)
    except TakenOver:
        log.warning("delivery export %s: taken over by another worker; %s stops", export_id, worker)
    except (PackageError, OSError) as exc:
        log.warning("delivery export %s failed: %s", export_id, exc)
        _fail(engine, export_id, *export_failure(exc))
    except Exception as exc:
        log.exception("delivery export %s crashed", export_id)
        _fail(engine, export_id, "unexpected", {}, f"unexpected error: {exc}")
        raise
    finally:
        beating.set()
        heart.join()
    result = progress_of(engine, export_id)
    if on_progress:
        on_progress(result)
    return result


def _heartbeat(engine: Engine, export_id: int, worker: str, done: threading.Event) -> None:
    """Tell the database every few seconds that this worker is alive, however long a batch of records takes."""
    while not done.wait(HEARTBEAT_SECONDS):
        try:
            with Session(writing(engine)) as session:
                session.execute(
                    update(DeliveryExport)
                    .where(col(DeliveryExport.id) == export_id, col(DeliveryExport.worker) == worker)
                    .values(heartbeat_at=utcnow())
                )
                session.commit()
        except Exception:  # noqa: BLE001 - a missed beat is retried; the export itself reports real failures
            log.warning("delivery export %s: heartbeat not written", export_id, exc_info=True)


def _mark_done(
    engine: Engine,
    export_id: int,
    items: list[DeliveryRecord],
    plans: list[PlannedRecord | RecordFailure],
    written: list[WrittenRecord | RecordFailure],
    worker: str,
) -> None:
    now = utcnow()
    with Session(writing(engine)) as session:
        export = session.get(DeliveryExport, export_id)
        assert export is not None
        if export.worker != worker:
            raise TakenOver()  # another worker took the export over while this one was silent
        for item, plan, result in zip(items, plans, written, strict=True):
            row = session.get(DeliveryRecord, item.id)
            assert row is not None
            if isinstance(result, RecordFailure) or isinstance(plan, RecordFailure):
                reason = result.reason if isinstance(result, RecordFailure) else str(plan)
                row.error = reason[:500]
                session.add(row)
                export.records_failed += 1
                record_event(
                    session,
                    "delivery.record_failed",
                    project_id=export.project_id,
                    object_type="delivery_export",
                    object_id=export.id,
                    outcome="failure",
                    detail={"record_id": row.record_id, "error": failure_detail(reason)[:500]},
                )
                continue
            row.done, row.pdf_sha256, row.pdf_bytes, row.image_bytes = (
                True,
                result.pdf_sha256,
                result.pdf_bytes,
                result.image_bytes,
            )
            row.files = written_files(plan, result)
            session.add(row)
            export.records_done += 1
            export.pages_done += sum(1 for i in plan.images if i.in_pdf)  # pages, not files (issue 16: both)
            export.bytes_done += result.image_bytes + result.pdf_bytes
        export.heartbeat_at = now
        session.add(export)
        session.commit()


def _finish(engine: Engine, export_id: int) -> None:
    """Write the indexes and the BagIt files from what the database recorded, then mark the export done. The
    files are written in a read-only transaction; only the final mark takes the write lock (SQLite has one writer:
    a page's sign-in must not wait while the indexes of a big package are written)."""
    with Session(engine, expire_on_commit=False) as session:
        export = session.get(DeliveryExport, export_id)
        assert export is not None
        project = session.get(Project, export.project_id)
        assert project is not None
        root = Path(export.target)
        for leftover in (root / "data").rglob(".*.part"):  # a file a killed worker was writing
            leftover.unlink()
        bag, now = BagWriter(root), utcnow()
        pages = PageIndex(root)
        contents = contents_of(session, export)  # issue 16: process metadata, per page and per package
        process_pages = MetadataFile(root, PAGES_NAME, PAGE_FIELDS, "page")
        index_rows: list[IndexRow] = []
        rows = session.exec(
            select(DeliveryRecord, Record, FrontPage)
            .join(Record, col(Record.id) == col(DeliveryRecord.record_id))
            .outerjoin(FrontPage, col(FrontPage.record_id) == col(DeliveryRecord.record_id))
            .where(DeliveryRecord.export_id == export_id, col(DeliveryRecord.done).is_(True))
            .order_by(col(Record.mrn), col(Record.visit))
            .execution_options(yield_per=500)
        )
        for item, record, fp in rows:
            pdf = ""
            for path, sha, size, page, segment in item.files or []:
                bag.add(path, sha, size)
                if page is None:
                    pdf = path
                else:
                    pages.add(record.mrn, record.visit, page, segment, path, sha)
            meta = page_rows(session, item, record.mrn, record.visit, contents)
            for row in meta:
                process_pages.add(row)
            if contents.profile.mets:  # issue 16: one METS document per record, for archives that import METS
                rel = f"{METS_DIR}/{record.mrn}_{record.visit}.xml"
                blob = record_mets(f"{record.mrn}_{record.visit}", meta, [f[:3] for f in item.files or []], pdf, now)
                write_atomic(root / "data" / rel, blob)
                bag.add(rel, hashlib.sha256(blob).hexdigest(), len(blob))
            index_rows.append(
                IndexRow(
                    record.mrn,
                    record.visit,
                    record.patient_name or "",
                    record.discharge_date,
                    fp.diagnosis if fp else "",
                    fp.diagnosis_code if fp else "",
                    (fp.operation or "") if fp else "",
                    (fp.operation_code or "") if fp else "",
                    item.pages,
                    pdf,
                )
            )
        for rel, sha, size in [pages.close(), *write_front_page_index(root, index_rows)]:
            bag.add(rel, sha, size)
        package = MetadataFile(root, PACKAGE_NAME, PACKAGE_FIELDS, "package")
        package.add(package_row(session, project, contents, export.records_done, export.pages_done))
        fingerprint = bag.finish(
            {
                "Source-Organization": project.vendor or "Folio",
                "Contact-Name": project.vendor or "",
                "External-Description": f"{project.name}: delivery package of accepted medical records",
                "External-Identifier": f"{project.code}-delivery-{export.id}",
                "Bagging-Date": now.date().isoformat(),
                "Bag-Software-Agent": "Folio",
                "Folio-Records": str(export.records_done),
                "Folio-Pages": str(export.pages_done),
                **({"Folio-Records-Left-Out": str(export.records_failed)} if export.records_failed else {}),
                "Folio-Delivery-Profile": profile_words(contents.profile),
            },
            [*process_pages.close(), *package.close()],
        )
        done, pages, failed = export.records_done, export.pages_done, export.records_failed
    with Session(writing(engine)) as session:
        export = session.get(DeliveryExport, export_id)
        assert export is not None
        export.status, export.finished_at, export.heartbeat_at = ExportStatus.done, now, now
        export.payload_sha256, export.error, export.worker = fingerprint, None, None
        session.add(export)
        record_event(
            session,
            "delivery.done",
            project_id=export.project_id,
            object_type="delivery_export",
            object_id=export.id,
            detail={
                "records": done,
                "pages": pages,
                "records_failed": failed,
                "manifest_sha256": fingerprint,
                "target": export.target,
            },
        )
        session.commit()


def _release(engine: Engine, export_id: int, worker: str) -> None:
    """Leave a stopped export queued, to be resumed (unless another worker holds it by now)."""
    with Session(writing(engine)) as session:
        session.execute(
            update(DeliveryExport)
            .where(col(DeliveryExport.id) == export_id, col(DeliveryExport.worker) == worker)
            .values(status=ExportStatus.queued, error=INTERRUPTED, worker=None)
        )
        session.commit()


def _fail(engine: Engine, export_id: int, code: str, params: dict, message: str) -> None:
    with Session(writing(engine)) as session:
        export = session.get(DeliveryExport, export_id)
        if export is not None:
            export.status, export.error, export.worker = ExportStatus.failed, stored(code, params, message, 2000), None
            session.add(export)
            record_event(
                session,
                "delivery.failed",
                project_id=export.project_id,
                object_type="delivery_export",
                object_id=export.id,
                outcome="failure",
                detail={"error": message[:500]},
            )
        session.commit()


def progress_of(engine: Engine, export_id: int) -> Progress:
    """The export's counters as the database has them."""
    with Session(engine) as session:
        export = session.get(DeliveryExport, export_id)
        assert export is not None
        return Progress(
            export.id,
            export.status,
            export.records_done,
            export.record_count,
            export.pages_done,
            export.page_count,
            export.bytes_done,
        )


def start_in_background(engine: Engine, store: LocalImageStore, export_id: int) -> threading.Thread:
    """Run the export in a daemon thread of this server process (interrupted if the process stops: resume it)."""
    thread = threading.Thread(
        target=run_export, args=(engine, store, export_id), name=f"delivery-{export_id}", daemon=True
    )
    thread.start()
    return thread
