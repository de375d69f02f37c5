"""`folio store verify|gc`: the image store against the page rows that refer to it."""

import argparse
import time
from collections.abc import Callable

from app.core.cli import session_for
from app.core.config import Settings


def cmd_store_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Re-hash every stored image that a row refers to."""
    from app.core.storage import LocalImageStore, verify_store
    from app.pages.processed import stored_hashes

    with session_for(settings) as session:
        hashes = sorted(stored_hashes(session))  # masters and their processed copies
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
    from app.pages.processed import stored_hashes

    with session_for(settings) as session:
        referenced = stored_hashes(session)
    result = collect_garbage(
        LocalImageStore(settings.image_store), referenced, now=time.time(), min_age_seconds=args.min_age
    )
    print(
        f"removed {result['removed']} unreferenced files and {result['temporaries']} partial files; "
        f"kept {result['kept_young']} younger than {args.min_age:.0f} s"
    )


def cmd_store_process(args: argparse.Namespace, settings: Settings) -> None:
    """Make the processed copies missing under each project's present settings (none where nothing changed)."""
    from sqlmodel import select

    from app.core.clock import utcnow
    from app.core.qcpool import QCPool
    from app.core.storage import LocalImageStore
    from app.pages.processed import refresh_project
    from app.projects.models import Project

    pool = QCPool.from_settings(settings)
    try:
        with session_for(settings) as session:
            query = select(Project) if not args.project else select(Project).where(Project.code == args.project)
            projects = session.exec(query).all()
            if not projects:
                raise SystemExit(f"no project {args.project}")
            for project in projects:
                made, kept = refresh_project(
                    session, LocalImageStore(settings.image_store), pool.process, project, utcnow()
                )
                print(f"{project.code}: made {made} processed pages, {kept} already up to date")
    finally:
        pool.close()


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio store verify|gc`."""
    store = sub.add_parser("store", help="the image store").add_subparsers(dest="store_command", required=True)
    add(
        store,
        "verify",
        cmd_store_verify,
        "re-hash stored images; exit 1 on a missing or corrupt file",
        "folio store verify",
    )
    p = add(
        store,
        "process",
        cmd_store_process,
        "make the processed page copies that are missing or whose settings changed",
        "folio store process --project SZH2026",
    )
    p.add_argument("--project", help="project code (default: every project)")
    p = add(store, "gc", cmd_store_gc, "remove files no row refers to", "folio store gc")
    p.add_argument(
        "--min-age",
        type=float,
        default=3600.0,
        help="spare files younger than this many seconds (an upload in flight), default 3600",
    )
