"""The pages that need a look on SQLite, with the needs-look index before and after migration 115dd6961e23.

Seeds a project (bench/production.py's seed: records, pages, re-shoots) and gives every image a processed copy of
the project's present settings and half of them a copy of earlier settings, 0.3 % of the copies marked as needing a
look (the outline was uncertain). Then times app.records.versions.needs_look_query as the vendor QC's screens run
it (the query alone, app.inspection.looks.count_looks and look_lines), first with the index as the migration makes it —
(fingerprint, image_id) WHERE needs_look = 1 — then with the index before it — (image_id, id) WHERE needs_look, a
predicate SQLite's planner never matches with the `needs_look = 1` SQLAlchemy writes — and prints the medians
and the plan of each.

    .venv/bin/python bench/needs_look_index.py                  # 200,000 pages in /tmp/folio-bench-looks/folio.db
    .venv/bin/python bench/needs_look_index.py --pages 50000 --runs 10
"""

import argparse
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.core.db import make_engine  # noqa: E402
from app.inspection.looks import count_looks, look_lines  # noqa: E402
from app.pages.processed import current_fingerprint  # noqa: E402
from app.projects.models import Project  # noqa: E402
from app.records.versions import needs_look_query  # noqa: E402
from bench.production import seed, ts  # noqa: E402

INDEXES = {  # the index as the migration makes it, and as it was before
    "after": "CREATE INDEX ix_processed_image_needs_look ON processed_image (fingerprint, image_id) "
    "WHERE needs_look = 1",
    "before": "CREATE INDEX ix_processed_image_needs_look ON processed_image (image_id, id) WHERE needs_look",
}


def add_copies(db_path: Path, fingerprint: str, share: float, seed_value: int = 16) -> tuple[int, int]:
    """Bulk-insert the processed copies; (copies, marked current copies)."""
    rng = random.Random(seed_value)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    made = ts(datetime.now(UTC))
    rows, marked = [], 0
    for (image_id,) in conn.execute("SELECT id FROM page_image ORDER BY id").fetchall():
        look = rng.random() < share
        marked += look
        rows.append((image_id, fingerprint, look))
        if image_id % 2:  # a copy of earlier settings, marked as often
            rows.append((image_id, "0" * 16, rng.random() < share))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO processed_image (image_id, fingerprint, sha256, size_bytes, media_type, width, height, dpi, "
        "colour_mode, bit_depth, icc, steps, needs_look, made_at) "
        "VALUES (?, ?, printf('%064x', ?), 400000, 'image/jpeg', 2480, 3508, 300.0, 'RGB', 8, 'srgb', '[]', ?, ?)",
        [(image_id, fp, image_id * 2 + (fp != fingerprint), int(look), made) for image_id, fp, look in rows],
    )
    conn.execute("COMMIT")
    conn.close()
    return len(rows), marked


def use_index(db_path: Path, which: str) -> None:
    """Make the needs-look index as it is after the migration or as it was before."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DROP INDEX IF EXISTS ix_processed_image_needs_look")
    conn.execute(INDEXES[which])
    conn.close()


def timed(url: str, project_id: int, runs: int) -> dict[str, float]:
    """Median milliseconds of the count and the list, each in a fresh session."""
    engine = make_engine(url)
    out = {}
    for name, call in (
        ("query", lambda s: s.exec(needs_look_query(s, project_id)).all()),
        ("count_looks", lambda s: count_looks(s, project_id)),
        ("look_lines", lambda s: look_lines(s, project_id, include_judged=True)),
    ):
        samples = []
        for _ in range(runs):
            with Session(engine) as s:
                t0 = time.perf_counter()
                call(s)
                samples.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(samples)
    with Session(engine) as s:
        compiled = needs_look_query(s, project_id).compile(dialect=engine.dialect)
        params = compiled.construct_params()
        args = tuple(params[name] for name in compiled.positiontup)
        plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args).all()
        out["plan"] = "; ".join(row[-1] for row in plan if "processed_image" in row[-1])
    engine.dispose()
    return out


def main() -> int:
    """Seed, add the copies, time the query with the index after and before, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/folio-bench-looks/folio.db"))
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--share", type=float, default=0.003, help="the share of copies marked as needing a look")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    info = seed(args.db, args.pages)
    url = f"sqlite:///{args.db}"
    engine = make_engine(url)
    with Session(engine) as s:
        fingerprint = current_fingerprint(s.get(Project, info["project"]))
    engine.dispose()
    copies, marked = add_copies(args.db, fingerprint, args.share)
    print(f"{info['pages']:,} pages, {info['images']:,} images, {copies:,} processed copies, {marked:,} current marked")
    print(f"median of {args.runs} runs, milliseconds")
    for which in ("before", "after"):
        use_index(args.db, which)
        got = timed(url, info["project"], args.runs)
        figures = "   ".join(f"{name} {got[name]:7.1f}" for name in ("query", "count_looks", "look_lines"))
        print(f"  index {which:<6} {figures}")
        print(f"    plan: {got['plan']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
