"""Vendor QC at full scale, for bench/production.py: seeds the inspection queue and re-shoot tasks of the bench
project, and names the screens to time (the queue's next page, progress per day and per operator, defects per
operator and per station).

What is seeded (bulk, after the pages): 5 % of the current images are chosen for inspection (on their capture
day); those older than the last three days seeded are judged (3 % flagged, each flag a re-shoot task, closed but for the
last weeks'), the last three days' wait in the queue — as a queue looks when the inspectors keep up. The
hospital's acceptance samples of past cycles are seeded too (the defects screen counts their failures).
The defects summary is rebuilt from all of it (`summarize`); the defects screens are timed reading it, and, as
"per shot", the way they read every shot before it (tests/inspection/reference_sources.py).
`use_indexes` swaps the indexes issue 15's migration changed, to time the screens before and after it.
"""

import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from app.accounts.models import User
from app.inspection.screens import progress_by_day, progress_by_operator, queue_counts
from app.inspection.service import next_item
from app.inspection.sources import sources_report
from tests.inspection.reference_sources import reference_report

DEFECTS = ("blurred", "skewed", "cut_off", "missing_page", "extra_page", "other")


def seeded(db_path: Path) -> int:
    """How many inspection items the database holds."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM inspection_item").fetchone()[0]
    finally:
        conn.close()


def seed(db_path: Path, project_id: int, today: date, share: float = 0.05, seed_value: int = 15) -> dict:
    """Bulk-insert inspection items and re-shoot tasks; counts of what was made."""
    rng = random.Random(seed_value)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    (qc_user,) = conn.execute("SELECT id FROM user_account WHERE username = 'qc_bench'").fetchone()
    rows = conn.execute(
        "SELECT p.id, p.record_id, p.current_image_id, i.operator_id, i.station_id, p.capture_date, i.uploaded_at "
        "FROM page p JOIN page_image i ON i.id = p.current_image_id WHERE p.deleted_at IS NULL AND p.qc_passed = 1"
    ).fetchall()
    last_day = max((r[5] for r in rows), default=today.isoformat())  # the newest capture day seeded
    recent = (date.fromisoformat(last_day) - timedelta(days=2)).isoformat()
    open_after = (date.fromisoformat(last_day) - timedelta(days=21)).isoformat()
    items, tasks = [], []
    for page_id, record_id, image_id, operator, station, day, uploaded in rows:
        if rng.random() >= share:
            continue
        item_id = len(items) + 1
        verdict = defect = inspected_at = inspected_on = inspector = None
        if day < recent:
            flagged = rng.random() < 0.03
            verdict, defect = ("flag", rng.choice(DEFECTS)) if flagged else ("pass", None)
            judged = datetime.fromisoformat(uploaded) + timedelta(hours=rng.uniform(1, 30))
            inspected_at, inspected_on, inspector = str(judged), judged.date().isoformat(), qc_user
            if flagged:
                status = "open" if day >= open_after else "closed"
                tasks.append(
                    (len(tasks) + 1, project_id, record_id, page_id, 1, image_id, operator, station, defect, None,
                     item_id, qc_user, inspected_at, status, None if status == "open" else inspected_at, None)
                )  # fmt: skip
        why = "near" if rng.random() < 0.1 else "rate"
        items.append(
            (item_id, project_id, page_id, record_id, image_id, operator, station, day, why, "[]", uploaded,
             inspector, inspected_at, verdict, defect, None, inspector, inspected_at, inspected_on)
        )  # fmt: skip
    # The hospital's acceptance samples (3 % of the pages of past cycles, 2 % of those failed): what the defects
    # screen reads beside vendor QC. Their rounds and lot pages are not seeded (no screen here reads them).
    samples = []
    cycle_end = (today - timedelta(days=90)).isoformat()
    for page_id, record_id, image_id, _op, _st, day, uploaded in rows:
        if day < cycle_end and rng.random() < 0.03:
            n = len(samples)
            failed = rng.random() < 0.02
            samples.append(
                (n + 1, 1 + n // 10_000, n + 1, n % 10_000, n % 3, page_id, record_id, image_id,
                 "fail" if failed else "pass", f'["{rng.choice(DEFECTS)}"]' if failed else "[]", uploaded)
            )  # fmt: skip
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO sample_item (id, round_id, lot_page_id, position, third, page_id, record_id, image_id, verdict, "
        "defects, reviewed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        samples,
    )
    conn.executemany(
        "INSERT INTO inspection_item (id, project_id, page_id, record_id, image_id, operator_id, station_id, "
        "capture_date, why, near, created_at, inspector_id, claimed_at, verdict, defect, note, inspected_by, "
        "inspected_at, inspected_on) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        items,
    )
    conn.executemany(
        "INSERT INTO reshoot_task (id, project_id, record_id, page_id, page_number, image_id, operator_id, "
        "station_id, reason, note, item_id, flagged_by, flagged_at, status, closed_at, closed_by_image_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        tasks,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return {
        "items": len(items),
        "waiting": sum(1 for i in items if i[13] is None),
        "tasks": len(tasks),
        "open tasks": sum(1 for t in tasks if t[13] == "open"),
        "acceptance samples": len(samples),
    }


# The indexes that migration 8c4e2b7a1f03 (issue 15) replaced or added, and what was there before it.
NEW_INDEXES = {
    "ix_page_image_operator_shots": "page_image (operator_id, captured_at, station_id, supersedes_id, superseded_at, "
    "qc_passed)",
    "ix_sample_item_verdict_image": "sample_item (verdict, image_id)",
}
OLD_INDEXES = {"ix_page_image_operator_captured": "page_image (operator_id, captured_at)"}


def use_indexes(db_path: Path, which: str) -> None:
    """Put the database's indexes as they are after issue 15's migration ("new") or before it ("old")."""
    drop, make = (OLD_INDEXES, NEW_INDEXES) if which == "new" else (NEW_INDEXES, OLD_INDEXES)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for name in drop:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name, on in make.items():
        conn.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {on}')
    conn.execute("ANALYZE")
    conn.close()


def screens(engine, project, today: date) -> dict[str, tuple[Callable[[Session], object], str | None]]:  # noqa: ANN001
    """Screen name -> (its service call on a session, its path for a request or None)."""
    with Session(engine) as s:
        qc_user = s.exec(select(User.id).where(User.username == "qc_bench")).one()
    now = datetime.now(UTC)
    weeks_12 = (today - timedelta(weeks=12) + timedelta(days=1), today)
    whole = (project.start_date, today)

    def take_next(s: Session) -> object:
        item = next_item(s, project.id, qc_user, now)  # claims a page...
        s.rollback()  # ...and gives it back, so every run takes a free page from the queue
        return item

    def overview(s: Session) -> object:
        return (
            queue_counts(s, project.id),
            progress_by_day(s, project.id, today),
            progress_by_operator(s, project.id, today - timedelta(days=29), today),
        )

    tz = project.timezone
    return {
        "Inspection, take next page": (take_next, None),
        "Inspection, progress": (overview, "/inspection"),
        "Inspection, operator year": (
            lambda s: progress_by_operator(s, project.id, today - timedelta(days=365), today),
            None,
        ),
        "Defects by operator, 12 wks": (lambda s: sources_report(s, project.id, tz, *weeks_12), "/production/defects"),
        "Defects by station, 3 years": (
            lambda s: sources_report(s, project.id, tz, *whole, dimension="station"),
            f"/production/defects?by=station&start={whole[0]}&end={whole[1]}",
        ),
        # Before the summary (migration 3f7a9c2d5e18): the same figures from every shot of the period.
        "Defects by operator, 12 wks, per shot": (lambda s: reference_report(s, project.id, tz, *weeks_12), None),
        "Defects by station, 3 years, per shot": (
            lambda s: reference_report(s, project.id, tz, *whole, dimension="station"),
            None,
        ),
    }


def summarize(engine, project_id: int) -> tuple[int, float]:  # noqa: ANN001
    """Rebuild the defects summary after the bulk load (app.inspection.recount); its rows and seconds."""
    import time

    from app.inspection import recount
    from app.projects.models import Project

    t = time.perf_counter()
    with Session(engine) as s:
        rows = recount.rebuild(s, s.get(Project, project_id))
        s.commit()
    return rows, time.perf_counter() - t
