"""Acceptance on a big lot in SQLite: apply (freeze the manifest), fix the seed (draw and write the sample), and
open the screens' queries. Seeds the pages with bulk inserts (no images needed).

    .venv/bin/python bench/acceptance.py --pages 1000000 --per-record 30
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.acceptance.applying import apply_for_acceptance  # noqa: E402
from app.acceptance.deciding import progress  # noqa: E402
from app.acceptance.models import SampleItem  # noqa: E402
from app.acceptance.review import next_work  # noqa: E402
from app.acceptance.screens import item_screen, round_views  # noqa: E402
from app.acceptance.seeding import fix_seed, verify_round  # noqa: E402
from app.acceptance.service import Actor, candidates, current_round  # noqa: E402
from app.accounts.models import Role  # noqa: E402
from app.accounts.service import create_station, create_user  # noqa: E402
from app.core.db import make_engine, writing  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.pages.models import Page, PageImage  # noqa: E402
from app.projects.service import create_project  # noqa: E402
from app.records.models import Record  # noqa: E402

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def seed(session: Session, pages: int, per_record: int) -> tuple:
    """A project with `pages` finished, passing pages in records of `per_record` pages."""
    project = create_project(session, code="BENCH", name="bench", start_date=date(2026, 1, 5))
    op = create_user(session, username="op", password="bench-password-1", role=Role.operator, project_id=project.id)
    mgr = create_user(
        session, username="mgr", password="bench-password-1", role=Role.vendor_manager, project_id=project.id
    )
    rev = create_user(session, username="rev", password="bench-password-1", role=Role.reviewer, project_id=project.id)
    station, _ = create_station(session, project_id=project.id, name="s")
    records = (pages + per_record - 1) // per_record
    session.execute(
        insert(Record),
        [
            {
                "id": r + 1,
                "project_id": project.id,
                "mrn": f"{r:08d}",
                "visit": 1,
                "paper_page_count": per_record,
                "status": "finished",
                "finished_at": T0 + timedelta(seconds=r * per_record * 20 + 10),
                "created_at": T0,
            }
            for r in range(records)
        ],
    )
    batch = 50_000
    for start in range(0, pages, batch):
        rows_page, rows_image = [], []
        for i in range(start, min(start + batch, pages)):
            at = T0 + timedelta(seconds=i * 20)
            rows_page.append(
                {
                    "id": i + 1,
                    "project_id": project.id,
                    "record_id": i // per_record + 1,
                    "page_number": i % per_record + 1,
                    "current_image_id": i + 1,
                    "image_count": 1,
                    "operator_id": op.id,
                    "station_id": station.id,
                    "captured_at": at,
                    "capture_date": at.date(),
                    "qc_passed": True,
                    "intentionally_blank": False,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            rows_image.append(
                {
                    "id": i + 1,
                    "page_id": i + 1,
                    "idempotency_key": f"k{i}",
                    "sha256": f"{i:064x}",
                    "size_bytes": 1,
                    "media_type": "image/jpeg",
                    "width": 1,
                    "height": 1,
                    "operator_id": op.id,
                    "station_id": station.id,
                    "captured_at": at,
                    "uploaded_at": at,
                    "qc_passed": True,
                    "qc_reasons": [],
                    "qc_metrics": {},
                }
            )
        session.execute(insert(Page), rows_page)
        session.execute(insert(PageImage), rows_image)
    session.commit()
    return project, Actor(mgr.id, mgr.role), Actor(rev.id, rev.role)


def timed(label: str, work):  # noqa: ANN001, ANN201
    """Run and print the wall time."""
    start = time.perf_counter()
    result = work()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    """Seed, then time each step."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1_000_000)
    parser.add_argument("--per-record", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        with Session(writing(engine), expire_on_commit=False) as session:
            project, mgr, rev = timed(
                f"seed {args.pages:,} pages (bulk insert)", lambda: seed(session, args.pages, args.per_record)
            )
            today = date(2027, 1, 4)
            now = datetime(2027, 1, 4, 2, tzinfo=UTC)
            timed(
                "lots page: what an application would take",
                lambda: candidates(session, project, today, today=today),
            )
            lot = timed(
                "apply: freeze the manifest and hash it",
                lambda: apply_for_acceptance(session, project, period_end=today, actor=mgr, today=today, now=now),
            )
            session.commit()
            rnd = timed(
                "fix the seed: draw and write the sample",
                lambda: fix_seed(session, lot, "bench", actor=rev, today=today, now=now),
            )
            session.commit()
            print(f"  lot {lot.page_count:,} pages, {lot.record_count:,} records, sample {rnd.sample_size:,}")
            work = timed("next task for a reviewer (claims a page)", lambda: next_work(session, rnd, rev.user_id, now))
            item = session.get(SampleItem, work.id)
            timed("review screen data of one page", lambda: item_screen(session, rnd, item))
            timed("progress of the round", lambda: progress(session, rnd))
            timed("lot page data (rounds, progress, figures)", lambda: round_views(session, lot))
            v = timed(
                "verify: re-hash the manifest, redraw", lambda: verify_round(session, lot, current_round(session, lot))
            )
            print(f"  verification ok: {v.ok}")
        engine.dispose()


if __name__ == "__main__":
    main()
