"""`folio inspection backfill-hashes`: perceptual hashes for pages uploaded before hashing existed."""

import argparse
import sys
import time
from collections.abc import Callable

from app.core.config import Settings


def cmd_backfill_hashes(args: argparse.Namespace, settings: Settings) -> None:
    """Hash every current page image without a hash, in batches, in worker processes; resumable."""
    import app.models  # noqa: F401  (every table registered)
    from app.core.db import make_engine
    from app.core.storage import LocalImageStore
    from app.inspection.backfill import BackfillProgress, backfill_hashes

    lock = _single_run(settings)
    started = time.monotonic()

    def show(p: BackfillProgress) -> None:
        rate = p.done / max(1e-6, time.monotonic() - started)
        print(f"  {p.done}/{p.total} images ({rate:.1f}/s): {p.hashed} hashed", file=sys.stderr, flush=True)

    engine = make_engine(settings.database_url)
    try:
        result = backfill_hashes(
            engine,
            LocalImageStore(settings.image_store).path_of,
            workers=args.workers or settings.qc_workers,
            batch=args.batch,
            max_pixels=settings.max_image_pixels,
            max_decoded_bytes=settings.max_decoded_bytes,
            progress=show,
        )
    finally:
        engine.dispose()
        lock.close()
    for digest in result.missing:
        print(f"MISSING {digest}")
    print(
        f"hashed {result.hashed} of {result.total} page images; {result.unreadable} unreadable, "
        f"{len(result.missing)} missing from the store"
    )
    if result.missing or result.unreadable:
        raise SystemExit(1)


def _single_run(settings: Settings):  # noqa: ANN202  (the open lock file, held until closed)
    """One backfill at a time per image store: a second run is refused (exit 3) instead of racing the first."""
    import fcntl
    from pathlib import Path

    path = Path(settings.image_store) / ".backfill-hashes.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a")  # noqa: SIM115 - held for the run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        print("another `folio inspection backfill-hashes` is running on this image store: wait for it", file=sys.stderr)
        raise SystemExit(3) from None
    return fh


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    return parse


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio inspection backfill-hashes`."""
    group = sub.add_parser("inspection", help="the vendor's QC").add_subparsers(
        dest="inspection_command", required=True
    )
    p = add(
        group,
        "backfill-hashes",
        cmd_backfill_hashes,
        "hash the pages uploaded before page hashing existed (for the repeat search); safe to stop and run again",
        "folio inspection backfill-hashes --batch 500 --workers 2",
    )
    p.add_argument("--batch", type=_at_least(1), default=200, help="images per committed batch, default 200")
    p.add_argument("--workers", type=_at_least(0), default=0, help="worker processes, default FOLIO_QC_WORKERS")
