"""`folio project create`: a project with the contract's default terms."""

import argparse
from collections.abc import Callable
from datetime import date

from app.core.cli import session_for
from app.core.config import Settings


def cmd_project_create(args: argparse.Namespace, settings: Settings) -> None:
    """Create a project with the contract's default terms."""
    from app.projects.service import create_project

    with session_for(settings) as session:
        project = create_project(session, code=args.code, name=args.name, start_date=args.start, years=args.years)
        # Custody (issue 9): a new project captures only records checked out of the records room.
        from app.core.clock import utcnow
        from app.custody.policy import save_policy

        save_policy(
            session, project.id, require_checkout=True, overdue_days=14, actor={"actor_role": "cli"}, now=utcnow()
        )
        print(f"project {project.code} created (id {project.id}), {project.start_date} .. {project.end_date}")
        print("capture needs a confirmed check-out of each record (custodian: Custody > Settings to change it)")


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio project create`."""
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
