"""Production screens at full scale: a 3-year, 3.6-million-page project in SQLite, and the p95 of every screen.

Seeds the database with bulk inserts (no image files): records, pages and their images as ingest leaves
them (re-shoots included, days off, operators absent now and then), rebuilds the daily summary once,
proves it equals the pages, then writes re-shoots and withdrawals through the ORM (the summary triggers
keep up) and checks again. Then it times every screen: its service call (queries + rules) and the
whole request through the app (sign-in check, queries, template), and prints the p95 of each.

    .venv/bin/python bench/production.py                   # seed /tmp/folio-bench-production/folio.db, measure
    .venv/bin/python bench/production.py --reuse           # measure an already seeded database again
    .venv/bin/python bench/production.py --pages 200000    # a smaller project

Vendor QC (issue 15) is seeded and timed beside them: the inspection queue and re-shoot tasks (bench/inspection.py)
and its screens — the next page of the queue, inspection progress per day and per operator, defects per operator
and per station (/production/defects).
"""

import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, text  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from app.accounts.models import Role  # noqa: E402
from app.accounts.service import create_station, create_user  # noqa: E402
from app.core.clock import local_date, utcnow  # noqa: E402
from app.core.db import make_engine, writing  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.inspection import recount  # noqa: E402
from app.pages.models import Page  # noqa: E402
from app.production import summary  # noqa: E402
from app.production.calendar import calendar_for  # noqa: E402
from app.production.models import ProductionDay  # noqa: E402
from app.production.period import operator_detail, production_csv, production_report  # noqa: E402
from app.production.progress import progress_report  # noqa: E402
from app.production.service import today_board  # noqa: E402
from app.projects.models import Project  # noqa: E402
from app.projects.service import add_years, create_project  # noqa: E402
from app.records.browse import page_view, record_tiles, search_records  # noqa: E402
from app.records.models import Record  # noqa: E402
from app.records.service import renumber  # noqa: E402
from bench import inspection  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "bench-password-2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌晓东海燕玉兰春梅"


def ts(instant: datetime) -> str:
    """How SQLAlchemy stores a UTC instant in SQLite (naive, microseconds always written)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _drop_and_keep(conn: sqlite3.Connection, kind: str, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes or triggers of some tables, returning their DDL to re-create them after the load."""
    marks = ",".join("?" * len(tables))
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name IN ({marks}) AND sql IS NOT NULL",  # noqa: S608
        (kind, *tables),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, sql in rows]


def seed(db_path: Path, pages: int, seed_value: int = 2026) -> dict:
    """Create and fill the bench database; returns ids and figures of what was made."""
    if db_path.exists():
        db_path.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    t0 = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    today = local_date(utcnow(), "Asia/Shanghai")
    start = add_years(today, -3) + timedelta(days=30)  # the contract's last month: nearly all pages are in
    with Session(writing(engine)) as s:
        project = create_project(s, code="BENCH", name="基准项目", start_date=start)
        operators = [
            create_user(
                s, username=f"op{i}", password=PASSWORD, role=Role.operator, display_name=name, project_id=project.id
            )
            for i, name in enumerate(["张敏", "李强", "王芳"], start=1)
        ]
        stations = [create_station(s, project_id=project.id, name=f"翻拍工位 0{i}")[0] for i in (1, 2)]
        create_user(
            s, username="qc_bench", password=PASSWORD, role=Role.vendor_qc, display_name="陈静", project_id=project.id
        )
        s.commit()
        ids = {
            "project": project.id,
            "operators": [u.id for u in operators],
            "stations": [st.id for st in stations],
            "start": start,
            "end": project.end_date,
        }
        cal = calendar_for(s, project)
    engine.dispose()

    rng = random.Random(seed_value)
    days = [start + timedelta(days=n) for n in range((today - start).days + 1)]
    working = {d: cal.is_working(d) for d in days}
    n_work = sum(working.values())
    # Each operator works ~92 % of working days and a few Saturdays; good pages a day around the level that
    # reaches the target over the three years (today's count is a morning's worth).
    level = pages / (n_work * 0.92 * len(ids["operators"]) + 20)
    conn = sqlite3.connect(db_path, isolation_level=None)
    # A throwaway bulk load: no journal, no fsync (WAL comes back on after it).
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("BEGIN")
    saved_idx = _drop_and_keep(conn, "index", ("page", "page_image", "record"))
    saved_trg = _drop_and_keep(conn, "trigger", ("page",))
    t_gen = time.perf_counter()
    rec_rows: list[tuple] = []
    page_rows: list[tuple] = []
    image_rows: list[tuple] = []
    page_id = image_id = record_id = 0
    mrns = rng.sample(range(10_000_000, 99_999_999), k=max(200_000, pages // 10))
    project_id = ids["project"]
    for day in days:
        if len(page_rows) >= pages:
            break
        for op_index, operator in enumerate(ids["operators"]):
            if working[day]:
                if rng.random() > 0.92:
                    continue  # absent
                quota = max(0, int(rng.gauss(level, level * 0.15)))
            elif day.weekday() == 5 and rng.random() < 0.06:
                quota = int(level * 0.5)  # Saturday overtime
            else:
                continue
            if day == today:
                quota //= 3
            station = ids["stations"][op_index % 2]
            clock = datetime.combine(day, dtime(8, 30), TZ)
            step = timedelta(seconds=max(1, 8 * 3600 // max(quota, 1)))
            made = 0
            while made < quota and len(page_rows) < pages:
                record_id += 1
                mrn = mrns[record_id % len(mrns)]
                visit = 1 + record_id // len(mrns)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
                rec_rows.append(
                    (
                        record_id,
                        project_id,
                        str(mrn),
                        visit,
                        f"{mrn}-{visit}",
                        name,
                        (day - timedelta(days=rng.randint(30, 900))).isoformat(),
                        None,
                        "finished",
                        ts(clock),
                        ts(clock),
                    )
                )
                for number in range(1, rng.randint(8, 40) + 1):
                    if made >= quota or len(page_rows) >= pages:
                        break
                    page_id += 1
                    clock += step
                    shots = 1
                    if rng.random() < 0.04:  # the first shot failed QC and was re-shot at once
                        shots = 2
                    first_image = image_id + 1
                    for shot in range(shots):
                        image_id += 1
                        passed = shot == shots - 1 and rng.random() > 0.003
                        at = ts(clock + timedelta(seconds=6 * shot))
                        sha = f"{image_id * 0x9E3779B97F4A7C15 % 2**256:064x}"
                        reasons = "[]" if passed else '["blur"]'
                        superseded = at if shot < shots - 1 else None
                        image_rows.append(
                            (image_id, page_id, f"bench-{image_id}", sha, 1_800_000, "image/jpeg", 3024, 4032,
                             operator, station, at, at, int(passed), reasons, "{}", superseded,
                             image_id - 1 if shot else None)
                        )  # fmt: skip
                    last, first = image_rows[-1], image_rows[first_image - image_id - 1]
                    page_rows.append(
                        (page_id, project_id, record_id, number, None, 0, image_id, shots, operator, station,
                         last[10], day.isoformat(), last[12], first[10], last[10], None)
                    )  # fmt: skip
                    made += 1
                clock += timedelta(seconds=30)
    t_ins = time.perf_counter()
    conn.executemany(
        "INSERT INTO record (id, project_id, mrn, visit, barcode, patient_name, discharge_date, paper_page_count, "
        "status, created_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rec_rows,
    )
    conn.executemany(
        "INSERT INTO page_image (id, page_id, idempotency_key, sha256, size_bytes, media_type, width, height, "
        "operator_id, station_id, captured_at, uploaded_at, qc_passed, qc_reasons, qc_metrics, superseded_at, "
        "supersedes_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        image_rows,
    )
    conn.executemany(
        "INSERT INTO page (id, project_id, record_id, page_number, segment, intentionally_blank, current_image_id, "
        "image_count, operator_id, station_id, captured_at, capture_date, qc_passed, created_at, updated_at, "
        "deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        page_rows,
    )
    t_idx = time.perf_counter()
    for ddl in saved_idx:
        conn.execute(ddl)
    for ddl in saved_trg:
        conn.execute(ddl)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    t_sum = time.perf_counter()
    engine = make_engine(url)
    with Session(writing(engine)) as s:
        project = s.get(Project, project_id)
        rows = summary.rebuild(s, project)
        s.commit()
    engine.dispose()
    t_end = time.perf_counter()
    ids.update(
        records=len(rec_rows),
        pages=len(page_rows),
        images=len(image_rows),
        summary_rows=rows,
        seconds={
            "schema and users": t_gen - t0,
            "generate rows": t_ins - t_gen,
            "bulk insert": t_idx - t_ins,
            "indexes and triggers": t_sum - t_idx,
            "summary rebuild (recount)": t_end - t_sum,
            "total": t_end - t0,
        },
    )
    return ids


def verify(url: str, project_id: int) -> dict:
    """The summary against the pages; then re-shoots and withdrawals through the ORM, and the summary again."""
    engine = make_engine(url)
    out: dict = {}
    with Session(writing(engine)) as s:
        project = s.get(Project, project_id)
        t = time.perf_counter()
        good = s.exec(select(func.count()).where(col(Page.qc_passed).is_(True), col(Page.deleted_at).is_(None))).one()
        total = s.exec(select(func.sum(ProductionDay.good_pages))).one()
        out["good pages (pages)"] = good
        out["good pages (summary)"] = total
        out["full recount equals summary"] = summary.mismatches(s, project) == {}
        out["full recount seconds"] = time.perf_counter() - t
        # Writes as ingest and renumbering make them, on the big database: the triggers keep the summary.
        rng = random.Random(7)
        last_id = s.exec(select(func.max(Page.id))).one()
        picked = [s.get(Page, rng.randint(1, last_id)) for _ in range(150)]
        t = time.perf_counter()
        from tests.production.helpers import add_shot

        for n, page in enumerate(picked[:100]):
            record = s.get(Record, page.record_id)
            when = datetime.now(TZ) - timedelta(minutes=n)
            add_shot(
                s,
                project,
                record,
                page.page_number,
                operator_id=page.operator_id,
                station_id=page.station_id,
                when=when,
                passed=n % 2 == 0,
            )
        for n, page in enumerate(picked[100:]):
            record = s.get(Record, page.record_id)
            renumber(
                s,
                record,
                key=f"bench-withdraw-{n}-{page.id}",
                op="delete",
                page_number=page.page_number,
                station_id=page.station_id,
                user_id=page.operator_id,
                now=utcnow(),
            )
        s.commit()
        out["150 writes with triggers, seconds"] = time.perf_counter() - t
        t = time.perf_counter()
        out["after writes: recount equals summary"] = summary.mismatches(s, project) == {}
        out["after writes: good pages (pages)"] = s.exec(
            select(func.count()).where(col(Page.qc_passed).is_(True), col(Page.deleted_at).is_(None))
        ).one()
        out["after writes: good pages (summary)"] = s.exec(select(func.sum(ProductionDay.good_pages))).one()
        t = time.perf_counter()
        out["after writes: defects recount equals summary"] = recount.mismatches(s, project) == {}
        out["defects recount seconds"] = time.perf_counter() - t
    engine.dispose()
    return out


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of `runs` calls, after two warm-up calls.

    CPU time (the whole process: the app thread and SQLite inside it) does not grow when other work
    shares the machine; wall time does. Both are printed.
    """
    fn()
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def measure(url: str, project_id: int, runs: int, only: list[str] | None = None) -> list[tuple[str, tuple, tuple]]:
    """Each screen's service call and its whole request through the app, in milliseconds (only: the screens whose
    name contains one of these words)."""
    from fastapi.testclient import TestClient

    from app.core.config import Settings
    from app.main import create_app

    engine = make_engine(url)
    with Session(engine) as s:
        project = s.get(Project, project_id)
        s.expunge(project)
        some = s.exec(
            select(Record).where(Record.project_id == project_id).order_by(col(Record.id).desc()).limit(1)
        ).one()
        record_id, mrn, barcode = some.id, some.mrn, some.barcode
        name = (some.patient_name or "王")[:2]
        page_id = s.exec(select(Page.id).where(Page.record_id == record_id).order_by(col(Page.page_number))).first()
        operator_id = s.exec(select(Page.operator_id).where(Page.id == page_id)).one()
    today = local_date(utcnow(), project.timezone)
    last_30 = (today - timedelta(days=29), today)
    whole = (project.start_date, today)

    def svc(fn: Callable[[Session], object]) -> Callable[[], object]:
        def run() -> object:
            with Session(engine) as s:
                return fn(s)

        return run

    service_calls: dict[str, Callable[[], object]] = {
        "Today": svc(lambda s: today_board(s, project, today, calendar_for(s, project))),
        "Production, last 30 days": svc(lambda s: production_report(s, project, *last_30, calendar_for(s, project))),
        "Production, whole project": svc(lambda s: production_report(s, project, *whole, calendar_for(s, project))),
        "CSV export, whole project": svc(
            lambda s: production_csv(
                production_report(s, project, *whole, calendar_for(s, project)), calendar_for(s, project)
            )
        ),
        "Operator, whole project": svc(
            lambda s: operator_detail(s, project, operator_id, *whole, calendar_for(s, project))
        ),
        "Progress": svc(lambda s: progress_report(s, project, today, calendar_for(s, project))),
        "Records, newest": svc(lambda s: search_records(s, project, "", 1)),
        "Records, page 5000": svc(lambda s: search_records(s, project, "", 5000)),
        "Records, MRN prefix": svc(lambda s: search_records(s, project, mrn[:5], 1)),
        "Records, barcode": svc(lambda s: search_records(s, project, barcode, 1)),
        "Records, name": svc(lambda s: search_records(s, project, name, 1)),
        "Record, pages": svc(lambda s: record_tiles(s, record_id)),
        "Page viewer": svc(lambda s: page_view(s, project, record_id, page_id, None)),
    }
    paths = {
        "Today": "/today",
        "Production, last 30 days": "/production",
        "Production, whole project": f"/production?start={whole[0]}&end={whole[1]}",
        "CSV export, whole project": f"/production/export.csv?start={whole[0]}&end={whole[1]}",
        "Operator, whole project": f"/production/operators/{operator_id}?start={whole[0]}&end={whole[1]}",
        "Progress": "/progress",
        "Records, newest": "/records",
        "Records, page 5000": "/records?page=5000",
        "Records, MRN prefix": f"/records?q={mrn[:5]}",
        "Records, barcode": f"/records?q={barcode}",
        "Records, name": f"/records?q={name}",
        "Record, pages": f"/records/{record_id}",
        "Page viewer": None,  # needs the image file; its page is measured through the service only
    }
    for screen, (call, path) in inspection.screens(engine, project, today).items():
        service_calls[screen], paths[screen] = svc(call), path
    results = []
    settings = Settings(
        database_url=url, image_store=Path(tempfile.mkdtemp()), qc_workers=1, mode="test", _env_file=None
    )
    with TestClient(create_app(settings)) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        r = client.post(
            "/login", data={"username": "qc_bench", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        for screen, call in service_calls.items():
            if only and not any(word in screen for word in only):
                continue
            service_ms = timed(call, runs)
            request_ms: tuple = ([], [])
            if paths[screen]:

                def get(path: str = paths[screen]) -> None:
                    res = client.get(path)
                    assert res.status_code == 200, (path, res.status_code, res.text[:300])

                request_ms = timed(get, runs)
            results.append((screen, service_ms, request_ms))
    engine.dispose()
    return results


def main() -> int:
    """Seed (unless --reuse), verify the summary, measure every screen, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/folio-bench-production/folio.db"))
    parser.add_argument("--pages", type=int, default=3_600_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument("--only", default="", help="time only the screens whose name contains one of these words")
    parser.add_argument("--no-verify", action="store_true", help="skip the summary check (and its 150 writes)")
    parser.add_argument(
        "--indexes",
        choices=("new", "old"),
        default="new",
        help="time with the indexes of issue 15's migration (new) or those before it (old)",
    )
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.db}"
    if args.reuse and args.db.exists():
        engine = make_engine(url)
        with Session(engine) as s:
            project_id = s.exec(select(Project.id).where(Project.code == "BENCH")).one()
            counts = {t: s.exec(text(f"SELECT count(*) FROM {t}")).one()[0] for t in ("record", "page", "page_image")}  # noqa: S608
        engine.dispose()
        made = f"{counts['record']:,} records, {counts['page']:,} pages, {counts['page_image']:,} images"
        print(f"reusing {args.db}: {made}")
    else:
        info = seed(args.db, args.pages)
        project_id = info["project"]
        print(f"seeded {args.db} ({args.db.stat().st_size / 2**30:.2f} GiB): project {info['start']} to {info['end']}")
        print(f"  {info['records']:,} records, {info['pages']:,} pages, {info['images']:,} images,", end=" ")
        print(f"{info['summary_rows']:,} summary rows")
        for step, seconds in info["seconds"].items():
            print(f"  {step:<28} {seconds:8.1f} s")
    if not inspection.seeded(args.db):
        made = inspection.seed(args.db, project_id, local_date(utcnow(), "Asia/Shanghai"))
        print("vendor QC: " + ", ".join(f"{v:,} {k}" for k, v in made.items()))
        engine = make_engine(url)
        rows, seconds = inspection.summarize(engine, project_id)
        engine.dispose()
        print(f"defects summary rebuilt: {rows:,} rows in {seconds:.1f} s")
    inspection.use_indexes(args.db, args.indexes)
    names = inspection.NEW_INDEXES if args.indexes == "new" else inspection.OLD_INDEXES
    print(f"indexes: {args.indexes} ({', '.join(names)})")
    if not args.no_verify:
        print("summary check:")
        for key, value in verify(url, project_id).items():
            print(f"  {key:<40} {value:,.2f}" if isinstance(value, float) else f"  {key:<40} {value}")
    results = measure(url, project_id, args.runs, args.only.split(",") if args.only else None)
    load = os.getloadavg()[0]
    print(f"\np95 over {args.runs} runs, milliseconds (target < 200 ms server time); load average {load:.1f}")
    heads = ("service wall", "service cpu", "request wall", "request cpu", "req. median")
    print(f"  {'screen':<28} " + " ".join(f"{h:>12}" for h in heads))
    worst_cpu = worst_wall = 0.0
    for screen, (s_wall, s_cpu), (r_wall, r_cpu) in results:
        cells = [f"{p95(s_wall):12.1f}", f"{p95(s_cpu):12.1f}"]
        if r_wall:
            cells += [f"{p95(r_wall):12.1f}", f"{p95(r_cpu):12.1f}", f"{statistics.median(r_wall):12.1f}"]
            worst_wall, worst_cpu = max(worst_wall, p95(r_wall)), max(worst_cpu, p95(r_cpu))
        else:
            cells += [f"{'—':>12}", f"{'—':>12}", f"{'—':>12}"]
            worst_wall, worst_cpu = max(worst_wall, p95(s_wall)), max(worst_cpu, p95(s_cpu))
        print(f"  {screen:<28} " + " ".join(cells))
    print(f"\nworst p95: {worst_wall:.1f} ms wall, {worst_cpu:.1f} ms CPU", end=" -> ")
    print(
        "OK"
        if worst_wall < 200
        else ("OK in CPU time; wall time shows a busy machine" if worst_cpu < 200 else "OVER 200 ms")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
