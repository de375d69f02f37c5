"""`folio delivery ...`: write or resume an approved delivery package with a progress bar; verify a package."""

import argparse
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.core.config import Settings


def _error(message: str) -> Exception:
    # An AppError: `folio` prints it and exits 2 (app.cli's own CLIError is another class under `python -m app.cli`).
    from app.core.errors import AppError

    return AppError(message, code="delivery_cli")


def cmd_export(args: argparse.Namespace, settings: Settings) -> None:
    """Start an approved export (spending its approval) or resume an interrupted one; show its progress."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlmodel import Session

    from app.core.clock import utcnow
    from app.core.db import make_engine, writing
    from app.core.storage import LocalImageStore
    from app.delivery import runner
    from app.delivery.failures import failure_detail
    from app.delivery.models import DeliveryExport, ExportStatus
    from app.delivery.service import resumable, start_export
    from app.projects.models import Project

    engine = make_engine(settings.database_url)
    try:
        with Session(writing(engine), expire_on_commit=False) as session:
            export = session.get(DeliveryExport, args.export_id)
            if export is None:
                raise _error(f"there is no delivery export {args.export_id}")
            if export.status == ExportStatus.done:
                print(f"export {export.id} is done already: {export.target}")
                return
            if export.status == ExportStatus.awaiting_approval:
                project = session.get(Project, export.project_id)
                start_export(session, project, export, actor={"actor_role": "cli"}, now=utcnow())
                session.commit()
            elif not resumable(export, utcnow()):
                raise _error(f"export {export.id} is being written by {export.worker} right now")
        stop = threading.Event()
        result: dict = {}
        base = runner.progress_of(engine, export.id).pages_done  # pages written by earlier runs
        started = time.monotonic()
        columns = (
            TextColumn("[bold]delivery {task.fields[export]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("pages · {task.fields[rate]} pages/s"),
            TimeRemainingColumn(),
        )
        with Progress(*columns) as bar:
            task = bar.add_task("export", total=export.page_count or None, completed=base, export=export.id, rate="-")

            def show(p: runner.Progress) -> None:
                elapsed = max(time.monotonic() - started, 1e-6)
                bar.update(
                    task, completed=p.pages_done, total=p.page_count, rate=f"{(p.pages_done - base) / elapsed:,.0f}"
                )

            def work() -> None:
                result["p"] = runner.run_export(
                    engine,
                    LocalImageStore(settings.image_store),
                    export.id,
                    on_progress=show,
                    stop=stop,
                    threads=args.threads,
                )

            worker = threading.Thread(target=work, name="delivery-cli")
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(0.5)
            except KeyboardInterrupt:
                stop.set()
                print("stopping after the records being written; run the same command again to resume")
                worker.join()
        final = result.get("p") or runner.progress_of(engine, export.id)
        with Session(engine) as session:
            export = session.get(DeliveryExport, args.export_id)
        elapsed = time.monotonic() - started
        if final.status == ExportStatus.done:
            print(
                f"delivery export {export.id} done: {final.records_done:,} records, {final.pages_done:,} pages, "
                f"{final.bytes_done / 1e9:,.2f} GB in {export.target}"
            )
            print(
                f"{(final.pages_done - base) / max(elapsed, 1e-6):,.1f} pages/s this run; "
                f"manifest SHA-256 {export.payload_sha256}"
            )
            print(f"check it with: folio delivery verify {export.target}")
            if export.records_failed:
                from app.delivery.retry import left_out_records

                with Session(engine) as session:
                    left = left_out_records(session, export.id)
                print(f"{len(left)} records left out of the package (the rest is complete):")
                for r in left:
                    print(f"  {r.mrn} visit {r.visit}: {failure_detail(r.reason)}")
                print("fix the cause, then write them again on the export's page (Delivery)")
        elif final.status == ExportStatus.queued:
            raise _error(
                f"export {export.id} stopped at {final.records_done} of {final.record_count} records: "
                f"run `folio delivery export {export.id}` to resume"
            )
        else:
            raise _error(f"export {export.id} {final.status}: {failure_detail(export.error) or 'see the server log'}")
    finally:
        engine.dispose()


def cmd_list(args: argparse.Namespace, settings: Settings) -> None:
    """List the delivery exports of a project."""
    from sqlmodel import Session, select

    from app.core.clock import utcnow
    from app.core.db import make_engine
    from app.delivery.models import DeliveryExport
    from app.delivery.service import effective_status
    from app.projects.service import project_by_code

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            stmt = select(DeliveryExport).order_by(DeliveryExport.id)
            if args.project:
                stmt = stmt.where(DeliveryExport.project_id == project_by_code(session, args.project).id)
            rows = session.exec(stmt).all()
            for e in rows:
                print(
                    f"{e.id:>4}  {effective_status(e, utcnow()):<18} {e.records_done:>7}/{e.record_count:<7} records "
                    f"{e.pages_done:>9}/{e.page_count:<9} pages  {e.target}"
                )
            if not rows:
                print("no delivery export yet")
    finally:
        engine.dispose()


def cmd_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Check a delivery package; exit 1 on any missing, extra or altered file or wrong index."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from app.delivery.verify import verify_package

    path = Path(args.path)
    if not path.is_dir():
        raise _error(f"{path} is not a folder")
    logging.getLogger("bagit").setLevel(logging.ERROR)  # its per-file warnings repeat the problems listed below
    started = time.monotonic()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns) as bar:
        tasks: dict[str, TaskID] = {}
        labels = {
            "bag": "bagit: file count and bytes" if args.fast else "bagit: SHA-256 of every file",
            "pdf": "PDF page counts",
        }

        def on_stage(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels[stage], total=None if stage == "bag" else total)
            bar.update(tasks[stage], completed=done, total=None if stage == "bag" and done < total else total)

        report = verify_package(
            path, threads=args.threads, fast=args.fast, check_pdfs=not args.no_pdf, on_stage=on_stage
        )
    for problem in report.problems[:200]:
        print(f"PROBLEM {problem}")
    if len(report.problems) > 200:
        print(f"... and {len(report.problems) - 200} more problems")
    took = time.monotonic() - started
    if report.problems:
        print(f"package NOT valid: {len(report.problems)} problems ({report.files} files checked in {took:.1f} s)")
        raise SystemExit(1)
    print(
        f"package valid: {report.records} records, {report.pages} pages, {report.files} files, "
        f"{report.bytes / 1e9:,.2f} GB, "
        + ("file count and bytes match Payload-Oxum" if args.fast else "every SHA-256 matches")
        + f" ({took:.1f} s)"
    )


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio delivery export|list|verify`."""
    delivery = sub.add_parser("delivery", help="the delivery package").add_subparsers(
        dest="delivery_command", required=True
    )
    p = add(
        delivery,
        "export",
        cmd_export,
        "write an approved delivery package (or resume an interrupted one) with a progress bar",
        "folio delivery export 3",
    )
    p.add_argument("export_id", type=int, help="the export's number, as the Delivery screen shows it")
    p.add_argument(
        "--threads",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="records written at once (default: the CPUs, at most 4)",
    )
    p = add(
        delivery,
        "list",
        cmd_list,
        "list the delivery exports and how far each has got",
        "folio delivery list --project SZH2026",
    )
    p.add_argument("--project", help="project code")
    p = add(
        delivery,
        "verify",
        cmd_verify,
        "check a delivery package: BagIt manifests, the SHA-256 of every file, indexes and PDF page counts; "
        "exit 1 on any problem",
        "folio delivery verify /mnt/usb/SZH2026-2026-12-01",
    )
    p.add_argument("path", help="the package folder (the one holding bagit.txt)")
    p.add_argument("--threads", type=int, default=4, help="hashing processes (default 4)")
    p.add_argument(
        "--fast", action="store_true", help="check file count and bytes against Payload-Oxum instead of every SHA-256"
    )
    p.add_argument("--no-pdf", action="store_true", help="skip opening each PDF to count its pages")
