"""`folio audit verify|export-head`: check the audit chain, and keep its head off the server."""

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from app.audit.models import AuditEvent
from app.core.cli import CLIError, session_for
from app.core.config import Settings


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Recompute the audit chain; exit 1 at the first sign of an edited, deleted or reordered event."""
    from app.audit.service import verify_audit_chain

    head = json.loads(Path(args.head).read_text()) if args.head else None
    with session_for(settings) as session:
        problems = verify_audit_chain(session, head)
        count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    for p in problems:
        print(f"BROKEN at event {p.event_id} (position {p.position}): {p.problem}")
    if problems:
        print(f"audit trail: {len(problems)} problems in {count} events")
        raise SystemExit(1)
    print(f"audit trail intact: {count} events" + (f", head {head['id']} present" if head else ""))


def cmd_audit_export_head(args: argparse.Namespace, settings: Settings) -> None:
    """Write the chain's newest id and hash to a file to keep off the server (run it daily)."""
    from app.audit.service import chain_head
    from app.core.clock import local_date, utcnow

    with session_for(settings) as session:
        head = chain_head(session)
    if head is None:
        raise CLIError("the audit trail is empty")
    out = Path(args.out) / f"audit-head-{local_date(utcnow(), settings.timezone).isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(head, indent=2) + "\n")
    print(f"audit head {head['id']} {head['hash']} written to {out}")


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio audit verify|export-head`."""
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    p = add(
        audit,
        "verify",
        cmd_audit_verify,
        "check that no audit event was edited, deleted or reordered",
        "folio audit verify --head /mnt/usb/audit-head-2026-11-21.json",
    )
    p.add_argument("--head", help="a head file written by 'folio audit export-head': the chain must still reach it")
    p = add(
        audit,
        "export-head",
        cmd_audit_export_head,
        "write the chain's head to a file kept off the server",
        "folio audit export-head --out /mnt/usb/folio-audit",
    )
    p.add_argument("--out", required=True, help="folder for audit-head-YYYY-MM-DD.json")
