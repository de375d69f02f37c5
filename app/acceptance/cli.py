"""`folio lot verify-sample|report`: recheck a lot's sample; write a round's acceptance report."""

import argparse
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from app.core.cli import CLIError, named_project, session_for
from app.core.config import Settings


def _lot_and_round(session: Session, args: argparse.Namespace):  # noqa: ANN202
    from app.acceptance.service import current_round, get_round, lot_by_number

    project = named_project(session, args.project, "there are several projects: name one with --project CODE")
    lot = lot_by_number(session, project.id, args.lot)
    rnd = get_round(session, lot, args.round) if args.round else current_round(session, lot)
    return project, lot, rnd


def cmd_lot_verify_sample(args: argparse.Namespace, settings: Settings) -> None:
    """Recompute a lot's manifest hash and sample from the stored manifest and seed; exit 1 unless both match."""
    from app.acceptance.seeding import verify_round

    with session_for(settings) as session:
        project, lot, rnd = _lot_and_round(session, args)
        if rnd.seed is None:
            raise CLIError(f"lot {lot.number} round {rnd.number} has no seed yet: nothing was drawn")
        v = verify_round(session, lot, rnd)
    verdict = {True: "matches", False: "DOES NOT MATCH"}
    print(f"project {project.code}, lot {lot.number}, round {rnd.number}: {rnd.page_count} pages")
    print(f"manifest hash {v.stored_hash}: recomputed from the stored manifest, {verdict[v.manifest_hash_ok]}")
    if not v.manifest_hash_ok:
        print(f"  recomputed     {v.recomputed_hash}")
    print(f"seed {rnd.seed!r}: sample of {v.sample_size} pages redrawn (folio-sample-v1), {verdict[v.sample_ok]}")
    print("OK" if v.ok else "FAILED")
    if not v.ok:
        raise SystemExit(1)


def cmd_lot_report(args: argparse.Namespace, settings: Settings) -> None:
    """Write a review round's acceptance report as HTML, or as PDF (printed by chromium)."""
    from app.acceptance.pdf import report_html
    from app.core.clock import local_date, utcnow
    from app.core.pdf import PdfUnavailable, html_to_pdf

    with session_for(settings) as session:
        project, lot, rnd = _lot_and_round(session, args)
        html = report_html(session, lot, rnd, project, local_date(utcnow(), project.timezone), args.lang)
    out = Path(args.output)
    if out.suffix.lower() == ".pdf":
        try:
            html_to_pdf(html, out)
        except PdfUnavailable as exc:
            raise CLIError(str(exc)) from exc
    else:
        out.write_text(html, encoding="utf-8")
    print(f"report of lot {lot.number}, round {rnd.number} written to {out}")


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio lot verify-sample|report`."""
    lot = sub.add_parser("lot", help="acceptance lots").add_subparsers(dest="lot_command", required=True)
    p = add(
        lot,
        "verify-sample",
        cmd_lot_verify_sample,
        "recompute a lot's manifest hash and sample from the stored manifest and seed; exit 1 on a mismatch",
        "folio lot verify-sample 3 --round 2",
    )
    p.add_argument("lot", type=int, help="the lot number")
    p.add_argument("--round", type=int, help="the review round (default: the latest)")
    p.add_argument("--project", help="project code (needed when there are several)")
    p = add(
        lot,
        "report",
        cmd_lot_report,
        "write a round's acceptance report as HTML or PDF (PDF needs chromium and playwright)",
        "folio lot report 3 --round 1 --output lot3-round1.pdf",
    )
    p.add_argument("lot", type=int, help="the lot number")
    p.add_argument("--round", type=int, help="the review round (default: the latest)")
    p.add_argument("--project", help="project code (needed when there are several)")
    p.add_argument("--output", required=True, help="file to write; .pdf prints a PDF, anything else HTML")
    p.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"], help="language of the report (default zh_CN)")
