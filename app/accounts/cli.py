"""`folio user add|confirm|link` and `folio station add`."""

import argparse
import os
from collections.abc import Callable

from app.core.cli import CLIError, session_for
from app.core.config import Settings


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
    with session_for(settings) as session:
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


def cmd_user_confirm(args: argparse.Namespace, settings: Settings) -> None:
    """Confirm an account's current role at the console (e.g. a hospital account from before the duties rule)."""
    import getpass

    from sqlmodel import select

    from app.accounts.duties import mark_console_grant
    from app.accounts.models import User

    with session_for(settings) as session:
        user = session.exec(select(User).where(User.username == args.username)).first()
        if user is None:
            raise CLIError(f"there is no user {args.username!r}")
        mark_console_grant(session, user, os_user=getpass.getuser())
        if not user.active:  # the console is the bootstrap: it may also bring back a disabled account
            user.active = True
            session.add(user)
        print(f"user {user.username}: role {user.role} confirmed at the console (audited); the account is enabled")


def cmd_user_link(args: argparse.Namespace, settings: Settings) -> None:
    """Issue a new one-time enrolment link for an account at the console (audited with the operating-system user,
    like the console's grants; the old link stops working)."""
    import getpass

    from sqlmodel import select

    from app.accounts.enrolment import issue_link
    from app.accounts.models import User
    from app.core.clock import utcnow

    with session_for(settings) as session:
        user = session.exec(select(User).where(User.username == args.username)).first()
        if user is None:
            raise CLIError(f"there is no user {args.username!r}")
        hours = settings.enrolment_link_hours
        link, token = issue_link(
            session, user, issued_by=None, now=utcnow(), hours=hours, why="console", os_user=getpass.getuser()
        )
        print(f"enrolment link for {user.username} ({user.role}), valid {hours} h, once; give it to its owner only:")
        print(f"/enrol/{token}   (after the server's address, e.g. https://folio.example/enrol/...)")


def cmd_station_add(args: argparse.Namespace, settings: Settings) -> None:
    """Register a capture station and print its token once."""
    from app.accounts.service import create_station
    from app.projects.service import project_by_code

    with session_for(settings) as session:
        project = project_by_code(session, args.project)
        station, token = create_station(session, project_id=project.id, name=args.name)
    print(f"station {station.name!r} added, id {station.id}. Its token (shown only now, keep it safe):")
    print(token)


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio user add|confirm` and `folio station add`."""
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
    p = add(
        user,
        "confirm",
        cmd_user_confirm,
        "confirm (and enable) a user's current role at the console (a legacy or disabled hospital account)",
        "folio user confirm --username rev_sun",
    )
    p.add_argument("--username", required=True)
    p = add(
        user,
        "link",
        cmd_user_link,
        "print a new one-time enrolment link for an account (the owner chooses the password; old links stop working)",
        "folio user link --username rev_sun",
    )
    p.add_argument("--username", required=True)

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
