"""`folio billing export`: a month's settlement as XLSX or CSV."""

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.core.cli import named_project, session_for
from app.core.config import Settings


def cmd_billing_export(args: argparse.Namespace, settings: Settings) -> None:
    """Write a month's settlement as XLSX or CSV; the export is audited like a download from the screen."""
    from app.billing.service import export_statement, parse_month
    from app.core.clock import local_date, utcnow

    with session_for(settings) as session:
        project = named_project(
            session, args.project, "there are several projects (or none): name one with --project CODE"
        )
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


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio billing export`."""
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
