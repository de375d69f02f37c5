"""`folio audit verify|export-head|rekey`: check the keyed audit chain, keep its head off the server."""

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from app.core.cli import CLIError, session_for
from app.core.config import Settings


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Recompute the audit chain with its key; exit 1 on any edited, deleted, reordered, unsealed or bad row."""
    from app.audit.service import verify_audit_chain, verify_lines

    head = _read_head(args.head) if args.head else None
    with session_for(settings) as session:
        report = verify_audit_chain(session, head)
    lines, ok = verify_lines(report, head)
    print("\n".join(lines))
    if not ok:
        raise SystemExit(1)


def cmd_audit_rekey(args: argparse.Namespace, settings: Settings) -> None:
    """Seal every event written before the audit key with its MAC (once, after an upgrade)."""
    from app.audit.service import rekey_chain

    with session_for(settings) as session:
        try:
            sealed = rekey_chain(session)
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
    print(f"audit trail: {sealed} events sealed with the audit key")


def _read_head(path: str) -> dict:
    try:
        head = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read the head file {path}: {exc}") from exc
    if not isinstance(head, dict):
        raise CLIError(f"{path} is not a head file written by 'folio audit export-head'")
    return head


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
    """Register `folio audit verify|export-head|rekey`."""
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
    add(
        audit,
        "rekey",
        cmd_audit_rekey,
        "seal the events written before the audit key existed (once, after upgrading)",
        "folio audit verify --head /mnt/usb/audit-head-2026-11-21.json && folio audit rekey",
    )
