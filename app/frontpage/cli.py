"""`folio frontpage read|progress|recheck`: read waiting front pages outside the server, see how far reading is,
and compare stored readings again under the current rules."""

import argparse
from collections.abc import Callable

from app.core.cli import CLIError, session_for
from app.core.config import Settings


def cmd_read(args: argparse.Namespace, settings: Settings) -> None:
    """Read waiting front pages with OCR worker processes: one batch (--once) or until stopped (Ctrl-C)."""
    from app.core.db import make_engine
    from app.core.storage import LocalImageStore
    from app.frontpage.ocr import OcrPool, status
    from app.frontpage.reading import ReadingJob, retry_failed, run_once

    state = status(settings.ocr)
    if state != "on":
        raise CLIError(f"the front-page check is {state}: install the 'ocr' extra and leave FOLIO_OCR unset")
    engine = make_engine(settings.database_url)
    if args.retry_failed:
        print(f"failed front pages put back to waiting: {retry_failed(engine)}")
    pool = OcrPool(max(1, args.workers or settings.ocr_workers), settings.ocr_threads, settings.max_image_pixels)
    store = LocalImageStore(settings.image_store)
    try:
        if args.once:
            print(f"front pages read: {run_once(engine, store, pool.read, limit=args.limit)}")
            return
        job = ReadingJob(engine, store, pool.read, settings.ocr_poll_seconds)
        job.start()
        print("reading front pages; Ctrl-C stops after the current page")
        try:
            job.wait()
        except KeyboardInterrupt:
            job.stop()
    finally:
        pool.close()
        engine.dispose()


def cmd_progress(args: argparse.Namespace, settings: Settings) -> None:
    """Print, per project, front pages found, read, waiting, and those that could not be read."""
    from sqlmodel import select

    from app.frontpage.reading import progress
    from app.projects.models import Project

    with session_for(settings) as session:
        for project in session.exec(select(Project)):
            p = progress(session, project.id)
            print(
                f"{project.code}: {p.front_pages} front pages, {p.read} read, {p.waiting} waiting, "
                f"{p.unreadable} unreadable, {p.failed} failed"
            )


def cmd_recheck(args: argparse.Namespace, settings: Settings) -> None:
    """Compare every record's current reading with its values again, under this version's rules (a stored
    outcome is otherwise recomputed only when the record's values change); prints the wrong-record alarms
    before and after."""
    from sqlmodel import col, func, select

    from app.frontpage.checks import refresh
    from app.frontpage.models import FrontPageReading

    alarms = select(func.count()).where(col(FrontPageReading.current), col(FrontPageReading.wrong_record))
    with session_for(settings) as session:
        before = session.exec(alarms).one()
        ids = list(session.exec(select(FrontPageReading.record_id).where(col(FrontPageReading.current))))
        refresh(session, ids)
        session.commit()
        after = session.exec(alarms).one()
    print(f"front-page checks compared again: {len(ids)}; possibly the wrong record's page: {before} → {after}")


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio frontpage read|progress|recheck`."""
    fp = sub.add_parser("frontpage", help="the front-page check (OCR)").add_subparsers(
        dest="frontpage_command", required=True
    )
    p = add(
        fp,
        "read",
        cmd_read,
        "read waiting front pages with OCR (servers with FOLIO_OCR_WORKERS=0 leave it to this command)",
        "folio frontpage read --workers 2",
    )
    p.add_argument("--workers", type=int, default=0, help="OCR worker processes (default FOLIO_OCR_WORKERS)")
    p.add_argument("--once", action="store_true", help="read one batch and stop")
    p.add_argument("--limit", type=int, default=50, help="front pages in the batch of --once (default 50)")
    p.add_argument("--retry-failed", action="store_true", help="put failed front pages back to waiting first")
    add(fp, "progress", cmd_progress, "how far front-page reading is, per project", "folio frontpage progress")
    add(
        fp,
        "recheck",
        cmd_recheck,
        "compare every stored front-page reading with its record again, under this version's rules",
        "folio frontpage recheck",
    )
