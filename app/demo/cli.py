"""`folio demo` and `folio demo-code`: the demo project and its sign-ins."""

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.core.cli import CLIError, session_for
from app.core.config import Settings


def folio_command(argv0: str | None = None) -> str:
    """How to call `folio` again from the current folder, as one would type it: `folio` when that is on the PATH,
    else the script's path (`.venv/bin/folio` after the quick start), so that a printed hint works as printed."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name != "folio":  # run as `python -m app.cli`: the venv's script beside its python
        script = Path(sys.executable).parent / "folio"
        if not script.exists():
            return f"{sys.executable} -m app.cli"
    on_path = shutil.which("folio")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "folio"
    relative = os.path.relpath(script.resolve(), Path.cwd())
    if relative.startswith(".."):
        return str(script.resolve())
    return relative if os.sep in relative else f".{os.sep}{relative}"


def _progress_bar():  # noqa: ANN202  (a rich Progress and the callback seed_demo calls)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False
    )
    steps = {"render": "drawing and checking page images", "ingest": "storing pages"}
    tasks: dict[str, int] = {}

    def tick(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(steps.get(step, step), total=total)
        bar.update(tasks[step], completed=done)

    return bar, tick


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    """Create the demo project, users, station and generated pages (once), then print the sign-ins."""
    from app.core.migrate import upgrade
    from app.core.storage import LocalImageStore
    from app.demo.service import DEMO_PASSWORD_SUFFIX, DEMO_USERS, seed_demo
    from app.pages.service import UploadLimits

    upgrade(settings.database_url)
    started = time.monotonic()
    bar, tick = _progress_bar()
    with bar, session_for(settings) as session:
        result = seed_demo(
            session,
            store=LocalImageStore(settings.image_store),
            limits=UploadLimits(settings.max_upload_bytes, settings.max_image_pixels, settings.max_image_side),
            pages=args.pages,
            today=date.today(),
            workers=settings.qc_workers,
            progress=tick,
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
    print(
        f"record {result.station_barcode} is checked out and not captured yet: scan it at the capture station "
        "(paper must be checked out before its first scan)"
    )
    print(
        "managers, reviewers, custodians, finance and admins also need a code: "
        f"`{folio_command()} demo-code mgr_zhao` prints it"
    )


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
