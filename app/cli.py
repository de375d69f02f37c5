"""`folio`: the server's admin commands. Each is a short function over one library call."""

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from app.core.config import Settings, get_settings
from app.core.errors import AppError

EXAMPLES = """examples:
  folio db upgrade
  folio project create --code SZH2026 --name "某医院病案数字化" --start 2026-12-01
  folio user add --project SZH2026 --username op_zhang --role operator
  folio station add --project SZH2026 --name "翻拍工位 01"
  folio serve --host 0.0.0.0 --port 8000
  folio demo
  folio store verify
  folio billing export --month 2026-11 --format xlsx
"""


class CLIError(Exception):
    """A clean message for the user and a non-zero exit."""


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    from app.core.db import make_engine, writing

    engine = make_engine(settings.database_url)
    try:
        with Session(writing(engine), expire_on_commit=False) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    """Create or update the tables."""
    from app.core.migrate import upgrade

    upgrade(settings.database_url)
    print(f"database is up to date: {_safe_url(settings.database_url)}")


def cmd_project_create(args: argparse.Namespace, settings: Settings) -> None:
    """Create a project with the contract's default terms."""
    from app.projects.service import create_project

    with _session(settings) as session:
        project = create_project(session, code=args.code, name=args.name, start_date=args.start, years=args.years)
        # Custody (issue 9): a new project captures only records checked out of the records room.
        from app.core.clock import utcnow
        from app.custody.service import save_policy

        save_policy(
            session, project.id, require_checkout=True, overdue_days=14, actor={"actor_role": "cli"}, now=utcnow()
        )
        print(f"project {project.code} created (id {project.id}), {project.start_date} .. {project.end_date}")
        print("capture needs a confirmed check-out of each record (custodian: Custody > Settings to change it)")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise CLIError(f"environment variable {args.password_env} is empty")
        return value
    import getpass

    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise CLIError("the two passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> None:
    """Add a user to a project: the console's bootstrap grant of any role, audited with the OS user."""
    import getpass

    from app.accounts.duties import mark_console_grant
    from app.accounts.models import Role
    from app.accounts.service import create_user
    from app.projects.service import project_by_code

    password = _read_password(args)
    with _session(settings) as session:
        project_id = project_by_code(session, args.project).id if args.project else None
        user = create_user(
            session,
            username=args.username,
            password=password,
            role=Role(args.role),
            display_name=args.display_name,
            project_id=project_id,
        )
        mark_console_grant(session, user, os_user=getpass.getuser())
        print(f"user {user.username} ({user.role}) added, id {user.id}")


def cmd_station_add(args: argparse.Namespace, settings: Settings) -> None:
    """Register a capture station and print its token once."""
    from app.accounts.service import create_station
    from app.projects.service import project_by_code

    with _session(settings) as session:
        project = project_by_code(session, args.project)
        station, token = create_station(session, project_id=project.id, name=args.name)
    print(f"station {station.name!r} added, id {station.id}. Its token (shown only now, keep it safe):")
    print(token)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    """Run the server with uvicorn."""
    import uvicorn

    from app.core.migrate import upgrade

    upgrade(settings.database_url)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"Folio is listening on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level="info",
        # uvicorn's own proxy handling would believe X-Forwarded-For from 127.0.0.1, i.e. from any local
        # process; the app believes it only from FOLIO_TRUSTED_PROXIES (app.core.web.trust_proxies).
        proxy_headers=False,
    )


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    """Create the demo project, users, station and generated pages (once), then print the sign-ins."""
    from app.core.migrate import upgrade
    from app.core.storage import LocalImageStore
    from app.demo.service import DEMO_PASSWORD_SUFFIX, DEMO_USERS, seed_demo
    from app.pages.service import UploadLimits

    upgrade(settings.database_url)
    started = time.monotonic()
    with _session(settings) as session:
        result = seed_demo(
            session,
            store=LocalImageStore(settings.image_store),
            limits=UploadLimits(settings.max_upload_bytes, settings.max_image_pixels, settings.max_image_side),
            pages=args.pages,
            today=date.today(),
            workers=settings.qc_workers,
        )
    token_file = Path(settings.image_store).parent / "demo-station-token.txt"
    if result.created:
        token_file.write_text(result.station_token + "\n")
        token_file.chmod(0o600)
        print(
            f"demo project created in {time.monotonic() - started:.0f} s: {result.pages} page images, "
            f"{result.failed_pages} failed QC"
        )
    else:
        print("the demo project exists already; nothing was added (delete ./var to start again)")
    print("demo sign-ins (user / password / role):")
    for username, display, role in DEMO_USERS:
        print(f"  {username:<10} {username + DEMO_PASSWORD_SUFFIX:<22} {role.value:<15} {display}")
    print(f"capture station token: {token_file}")
    print("managers, reviewers, finance and admins also need a code: `folio demo-code mgr_zhao` prints it")


def cmd_demo_code(args: argparse.Namespace, settings: Settings) -> None:
    """Print a demo user's current authenticator code (demo project only)."""
    from app.demo.service import DemoError, demo_code

    with _session(settings) as session:
        try:
            print(demo_code(session, args.username, time.time()))
        except DemoError as exc:
            raise CLIError(str(exc)) from exc


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Recompute the audit chain with its key; exit 1 on any edited, deleted, reordered, unsealed or bad row."""
    from app.audit.service import verify_audit_chain, verify_lines

    head = _read_head(args.head) if args.head else None
    with _session(settings) as session:
        report = verify_audit_chain(session, head)
    lines, ok = verify_lines(report, head)
    print("\n".join(lines))
    if not ok:
        raise SystemExit(1)


def cmd_audit_rekey(args: argparse.Namespace, settings: Settings) -> None:
    """Seal every event written before the audit key with its MAC (once, after an upgrade)."""
    from app.audit.service import rekey_chain

    with _session(settings) as session:
        try:
            sealed = rekey_chain(session)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
    print(f"audit trail: {sealed} events sealed with the audit key")


def _read_head(path: str) -> dict:
    import json

    try:
        head = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read the head file {path}: {exc}") from exc
    if not isinstance(head, dict):
        raise CLIError(f"{path} is not a head file written by 'folio audit export-head'")
    return head


def cmd_audit_export_head(args: argparse.Namespace, settings: Settings) -> None:
    """Write the chain's newest id and hash to a file to keep off the server (run it daily)."""
    import json

    from app.audit.service import chain_head
    from app.core.clock import local_date, utcnow

    with _session(settings) as session:
        head = chain_head(session)
    if head is None:
        raise CLIError("the audit trail is empty")
    out = Path(args.out) / f"audit-head-{local_date(utcnow(), settings.timezone).isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(head, indent=2) + "\n")
    print(f"audit head {head['id']} {head['hash']} written to {out}")


def cmd_store_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Re-hash every stored image that a row refers to."""
    from app.core.storage import LocalImageStore, verify_store
    from app.pages.models import PageImage

    with _session(settings) as session:
        hashes = sorted(set(session.exec(select(PageImage.sha256)).all()))
    report = verify_store(LocalImageStore(settings.image_store), iter(hashes))
    for digest in report["missing"]:
        print(f"MISSING {digest}")
    for digest in report["corrupt"]:
        print(f"CORRUPT {digest}")
    bad = len(report["missing"]) + len(report["corrupt"])
    print(f"checked {len(hashes)} images: {len(report['missing'])} missing, {len(report['corrupt'])} corrupt")
    if bad:
        raise SystemExit(1)


def cmd_store_gc(args: argparse.Namespace, settings: Settings) -> None:
    """Remove stored files that no row refers to (and partial files left by a crash)."""
    from app.core.storage import LocalImageStore, collect_garbage
    from app.pages.models import PageImage

    with _session(settings) as session:
        referenced = set(session.exec(select(PageImage.sha256)).all())
    result = collect_garbage(
        LocalImageStore(settings.image_store), referenced, now=time.time(), min_age_seconds=args.min_age
    )
    print(
        f"removed {result['removed']} unreferenced files and {result['temporaries']} partial files; "
        f"kept {result['kept_young']} younger than {args.min_age:.0f} s"
    )


def _lot_and_round(session: Session, args: argparse.Namespace):  # noqa: ANN202
    from app.acceptance.service import current_round, get_round, lot_by_number
    from app.projects.models import Project
    from app.projects.service import project_by_code

    if args.project:
        project = project_by_code(session, args.project)
    else:
        projects = session.exec(select(Project).where(Project.active == True)).all()  # noqa: E712
        if len(projects) != 1:
            raise CLIError("there are several projects: name one with --project CODE")
        project = projects[0]
    lot = lot_by_number(session, project.id, args.lot)
    rnd = get_round(session, lot, args.round) if args.round else current_round(session, lot)
    return project, lot, rnd


def cmd_lot_verify_sample(args: argparse.Namespace, settings: Settings) -> None:
    """Recompute a lot's manifest hash and sample from the stored manifest and seed; exit 1 unless both match."""
    from app.acceptance.service import verify_round

    with _session(settings) as session:
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

    with _session(settings) as session:
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


def cmd_billing_export(args: argparse.Namespace, settings: Settings) -> None:
    """Write a month's settlement as XLSX or CSV; the export is audited like a download from the screen."""
    from app.billing.service import export_statement, parse_month
    from app.core.clock import local_date, utcnow
    from app.projects.models import Project
    from app.projects.service import project_by_code

    with _session(settings) as session:
        if args.project:
            project = project_by_code(session, args.project)
        else:
            projects = session.exec(select(Project).where(Project.active == True)).all()  # noqa: E712
            if len(projects) != 1:
                raise CLIError("there are several projects (or none): name one with --project CODE")
            project = projects[0]
        today = local_date(utcnow(), project.timezone)
        month = parse_month(args.month)
        as_of = args.as_of or max(today, month)
        out = export_statement(
            session, project, month, fmt=args.format, as_of=as_of, today=today, actor={"actor_role": "cli"}
        )
        path = Path(args.output or out.filename)
        path.write_bytes(out.content)  # before the commit: no audit event for a file that was not written
    st = out.statement
    owed = st.totals.outstanding + st.earlier_totals.outstanding
    late = st.totals.late_charge + st.earlier_totals.late_charge
    print(
        f"settlement {project.code} {st.label} as of {as_of}: {st.totals.lots} lots accepted, "
        f"{st.totals.billable_pages:,} pages billed, {st.totals.amount:,.2f} yuan; "
        f"outstanding {owed:,.2f}, late charges {late:,.2f} -> {path}"
    )
    if st.missing_years:
        years = ", ".join(map(str, st.missing_years))
        print(f"note: the working-day calendar does not cover {years}: some due dates are unknown (see Calendar)")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """The command tree."""
    parser = argparse.ArgumentParser(
        prog="folio",
        description="Folio server administration.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(
        parent: argparse._SubParsersAction, name: str, func: Callable, helptext: str, example: str
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(
            name,
            help=helptext,
            description=helptext,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    add(db, "upgrade", cmd_db_upgrade, "create or update the tables", "folio db upgrade")

    project = sub.add_parser("project", help="projects").add_subparsers(dest="project_command", required=True)
    p = add(
        project,
        "create",
        cmd_project_create,
        "create a project with the contract's default terms",
        'folio project create --code SZH2026 --name "某医院病案数字化" --start 2026-12-01',
    )
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--start", required=True, type=date.fromisoformat, help="start date, YYYY-MM-DD")
    p.add_argument("--years", type=int, default=3, help="contract length in years (default 3)")

    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    p = add(
        user,
        "add",
        cmd_user_add,
        "add a user (asks for the password)",
        "folio user add --project SZH2026 --username op_zhang --role operator",
    )
    p.add_argument("--project", help="project code (omit for a system-wide admin)")
    p.add_argument("--username", required=True)
    p.add_argument("--display-name")
    p.add_argument(
        "--role",
        required=True,
        choices=[
            "operator",
            "vendor_qc",
            "vendor_manager",
            "reviewer",
            "custodian",
            "finance",
            "sysadmin",
            "audit_admin",
        ],
    )
    p.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")

    station = sub.add_parser("station", help="capture stations").add_subparsers(dest="station_command", required=True)
    p = add(
        station,
        "add",
        cmd_station_add,
        "register a capture station and print its token once",
        'folio station add --project SZH2026 --name "翻拍工位 01"',
    )
    p.add_argument("--project", required=True)
    p.add_argument("--name", required=True)

    p = add(sub, "serve", cmd_serve, "run the server (migrates the database first)", "folio serve --port 8000")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)

    p = add(
        sub,
        "demo",
        cmd_demo,
        "create a demo project with users, a station and generated pages",
        "folio demo --pages 400",
    )
    p.add_argument("--pages", type=int, default=400)

    p = add(
        sub,
        "demo-code",
        cmd_demo_code,
        "print a demo user's current two-factor code (demo project only)",
        "folio demo-code mgr_zhao",
    )
    p.add_argument("username")

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    p = add(
        audit,
        "verify",
        cmd_audit_verify,
        "check that no audit event was edited, deleted or reordered",
        "folio audit verify --head /mnt/usb/audit-head-2026-11-21.json",
    )
    p.add_argument("--head", help="a head file written by 'folio audit export-head': the chain must still reach it")
    add(
        audit,
        "rekey",
        cmd_audit_rekey,
        "seal the events written before the audit key existed (once, after upgrading)",
        "folio audit verify --head /mnt/usb/audit-head-2026-11-21.json && folio audit rekey",
    )
    p = add(
        audit,
        "export-head",
        cmd_audit_export_head,
        "write the chain's head to a file kept off the server",
        "folio audit export-head --out /mnt/usb/folio-audit",
    )
    p.add_argument("--out", required=True, help="folder for audit-head-YYYY-MM-DD.json")

    store = sub.add_parser("store", help="the image store").add_subparsers(dest="store_command", required=True)
    add(
        store,
        "verify",
        cmd_store_verify,
        "re-hash stored images; exit 1 on a missing or corrupt file",
        "folio store verify",
    )
    p = add(store, "gc", cmd_store_gc, "remove files no row refers to", "folio store gc")
    p.add_argument(
        "--min-age",
        type=float,
        default=3600.0,
        help="spare files younger than this many seconds (an upload in flight), default 3600",
    )
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
    from app.delivery.cli import add_commands as add_delivery_commands

    add_delivery_commands(sub, add)
    billing = sub.add_parser("billing", help="billing").add_subparsers(dest="billing_command", required=True)
    p = add(
        billing,
        "export",
        cmd_billing_export,
        "write a month's settlement (lots accepted, amounts, due dates, payments, late charges) as XLSX or CSV",
        "folio billing export --month 2026-11 --format xlsx -o settlement-2026-11.xlsx",
    )
    p.add_argument("--month", required=True, help="the month, YYYY-MM")
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="xlsx (default) or csv (UTF-8 with BOM)")
    p.add_argument("-o", "--output", help="file to write (default: settlement-CODE-YYYY-MM-as-of-DATE.xlsx|csv here)")
    p.add_argument("--as-of", type=date.fromisoformat, help="payments and late charges up to this day (default today)")
    p.add_argument("--project", help="project code (needed when there are several)")
    # end billing
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `folio` command."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args, get_settings())
    except (AppError, CLIError) as exc:
        print(f"folio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
