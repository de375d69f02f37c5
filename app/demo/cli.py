"""`folio demo` and `folio demo-code`: the demo project and its sign-ins."""

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.core.cli import CLIError, session_for
from app.core.config import Settings


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    """Create the demo project, users, station and generated pages (once), then print the sign-ins."""
    from app.core.migrate import upgrade
    from app.core.storage import LocalImageStore
    from app.demo.service import DEMO_PASSWORD_SUFFIX, DEMO_USERS, seed_demo
    from app.pages.service import UploadLimits

    upgrade(settings.database_url)
    started = time.monotonic()
    with session_for(settings) as session:
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

    with session_for(settings) as session:
        try:
            print(demo_code(session, args.username, time.time()))
        except DemoError as exc:
            raise CLIError(str(exc)) from exc


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio demo` and `folio demo-code`."""
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
