"""`folio`: the server's admin commands. Each feature registers its own (`app/<feature>/cli.py`); this file only
assembles them into one command tree and turns their errors into an exit code."""

import argparse
import sys

from app.acceptance import cli as acceptance_cli
from app.accounts import cli as accounts_cli
from app.audit import cli as audit_cli
from app.audit import keys as audit_keys
from app.billing import cli as billing_cli
from app.core import cli as core_cli
from app.core.cli import CLIError, add_command
from app.core.config import get_settings
from app.core.errors import AppError
from app.delivery import cli as delivery_cli
from app.demo import cli as demo_cli
from app.frontpage import cli as frontpage_cli
from app.inspection import cli as inspection_cli
from app.pages import cli as pages_cli
from app.projects import cli as projects_cli

__all__ = ["CLIError", "build_parser", "main"]

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


def build_parser() -> argparse.ArgumentParser:
    """The command tree, in the order `folio --help` lists it."""
    parser = argparse.ArgumentParser(
        prog="folio",
        description="Folio server administration.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    core_cli.add_db_commands(sub, add_command)
    projects_cli.add_commands(sub, add_command)
    accounts_cli.add_commands(sub, add_command)
    core_cli.add_serve_command(sub, add_command)
    demo_cli.add_commands(sub, add_command)
    audit_cli.add_commands(sub, add_command)
    pages_cli.add_commands(sub, add_command)
    acceptance_cli.add_commands(sub, add_command)
    delivery_cli.add_commands(sub, add_command)
    billing_cli.add_commands(sub, add_command)
    frontpage_cli.add_commands(sub, add_command)
    inspection_cli.add_commands(sub, add_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `folio` command."""
    args = build_parser().parse_args(argv)
    settings = get_settings()
    audit_keys.configure(key_hex=settings.audit_key_hex, key_file=settings.audit_key_file)
    try:
        args.func(args, settings)
    except (AppError, CLIError) as exc:
        print(f"folio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
