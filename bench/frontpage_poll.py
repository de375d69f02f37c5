"""The front-page reading job's idle poll at full scale: its query plan and time on SQLite and PostgreSQL.

    .venv/bin/python bench/frontpage_poll.py                       # 3.6 M pages, both backends
    .venv/bin/python bench/frontpage_poll.py --pages 600000 --backend sqlite

Seeds the migrated schema (bulk inserts, foreign keys not checked: only page and front_page_reading are read) with
`--pages` pages in 30-page records over `--projects` projects working side by side: page 1 of each record is its
front page (marked 首页, or "1", or not marked: page 1 by default), other segments open on pages 3, 8, 15 and 22,
1 % of the pages failed QC and 0.5 % are withdrawn; every front page has been read (the job is idle). Then, in the
same run, with the previous query and no index (before), and with this query and the index it needs
(ix_page_front_candidate, migration 6b1d0e4f2a37; after): the plan (EXPLAIN QUERY PLAN / EXPLAIN) of the poll
(app.frontpage.reading.waiting_query) for one project, and the time of one poll of every project, idle and with
8 new front pages waiting, as the median of 5 (SQLite: CPU seconds of this process, where SQLite runs;
PostgreSQL: the server's Execution Time from EXPLAIN ANALYZE).
The PostgreSQL database folio_bench_poll on the test server is made anew and dropped at the end.
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, create_engine, or_, text  # noqa: E402
from sqlalchemy.orm import aliased  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from app.core.migrate import upgrade  # noqa: E402
from app.delivery.naming import DEFAULT_SEGMENTS  # noqa: E402
from app.frontpage.models import FrontPageReading  # noqa: E402
from app.frontpage.reading import front_marks, waiting_query  # noqa: E402
from app.pages.models import FRONT_CANDIDATE, FRONT_CANDIDATE_COLUMNS, Page  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "folio_bench_poll"
INDEX = "ix_page_front_candidate"
PER_RECORD = 30
NEW = 8  # front pages waiting in the "busy" poll
# The index as migration 6b1d0e4f2a37 makes it (recreated after the "without" figures).
INDEX_SQL = f"CREATE INDEX {INDEX} ON page ({', '.join(FRONT_CANDIDATE_COLUMNS)}) WHERE {FRONT_CANDIDATE}"

# One row per page: (record r, page n) from a counter; the CASEs spread the segment marks, QC and withdrawals.
PAGE_COLUMNS = (
    "id, project_id, record_id, page_number, segment, intentionally_blank, current_image_id, image_count, "
    "operator_id, station_id, captured_at, capture_date, qc_passed, created_at, updated_at, deleted_at"
)


def _page_values(i: str, projects: int, true: str, false: str, stamp: str = "") -> str:
    """The SELECT list of a page row from a 0-based counter expression i (true, false, stamp: how the dialect writes
    true, false and a timestamp literal)."""
    r, n = f"({i} / {PER_RECORD})", f"({i} % {PER_RECORD} + 1)"
    return (
        f"{i} + 1, {r} % {projects} + 1, {r} + 1, {n}, "
        f"CASE WHEN {n} = 1 AND {r} % 4 < 2 THEN '1' WHEN {n} = 1 AND {r} % 4 = 2 THEN '首页' "
        f"WHEN {n} = 3 THEN '2' WHEN {n} = 8 THEN '3' WHEN {n} = 15 THEN '5' WHEN {n} = 22 THEN '6' END, "
        f"{false}, {i} + 1, 1, 1, 1, '2026-01-01 08:00:00', '2026-01-01', "
        f"CASE WHEN {i} % 100 = 37 THEN {false} ELSE {true} END, "
        "'2026-01-01 08:00:00', '2026-01-01 08:00:00', "
        f"CASE WHEN {i} % 200 = 101 THEN {stamp} '2026-02-01 08:00:00' END"
    )


READINGS = (
    "INSERT INTO front_page_reading (project_id, record_id, page_id, image_id, status, attempts, fields, lines, "
    "current, outcome, wrong_record, fields_compared, fields_wrong) "
    "SELECT project_id, record_id, id, current_image_id, 'done', 1, '{{}}', '[]', {true}, 'match', {false}, 5, 0 "
    "FROM page WHERE page_number = 1 AND deleted_at IS NULL AND qc_passed = {true} AND id > {first} AND id <= {last}"
)


def seed_sqlite(path: Path, pages: int, projects: int) -> str:
    """A migrated SQLite database at path with the pages and readings; its URL."""
    url = f"sqlite:///{path}"
    upgrade(url)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=MEMORY")
    conn.execute(f"DROP INDEX IF EXISTS {INDEX}")  # built after the rows, like the others would be
    conn.execute("BEGIN")
    conn.execute(
        f"WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < {pages}) "
        f"INSERT INTO page ({PAGE_COLUMNS}) SELECT {_page_values('i', projects, '1', '0')} FROM c"
    )
    conn.execute(READINGS.format(true=1, false=0, first=0, last=pages))
    conn.execute("COMMIT")
    conn.execute(INDEX_SQL)
    conn.execute("ANALYZE")
    conn.close()
    return url


def seed_postgres(pages: int, projects: int) -> str:
    """A new migrated PostgreSQL database with the pages and readings; its URL."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB}"))
        conn.execute(text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()
    url = f"{PG_SERVER}/{PG_DB}"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))  # no foreign-key checks for the bulk rows
        conn.execute(text(f"DROP INDEX IF EXISTS {INDEX}"))
        conn.execute(
            text(
                f"INSERT INTO page ({PAGE_COLUMNS}) SELECT {_page_values('i', projects, 'true', 'false', 'TIMESTAMP')} "
                f"FROM generate_series(0, {pages - 1}) AS i"
            )
        )
        conn.execute(text(READINGS.format(true="true", false="false", first=0, last=pages)))
        conn.execute(text(f"SELECT setval('page_id_seq', {pages})"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(INDEX_SQL))
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url


def _previous_query(project_id: int, marks: list[str], limit: int):  # noqa: ANN202
    """The poll as it was before migration 6b1d0e4f2a37 (the "before" figures): the marked pages looked for in
    the whole table, no candidate terms."""
    other = aliased(Page)
    marked = select(other.id).where(
        other.record_id == Page.record_id, col(other.deleted_at).is_(None), col(other.segment).in_(marks)
    )
    read = select(FrontPageReading.id).where(FrontPageReading.image_id == Page.current_image_id)
    stmt = select(Page).where(
        Page.project_id == project_id,
        col(Page.deleted_at).is_(None),
        col(Page.current_image_id).is_not(None),
        or_(col(Page.segment).in_(marks), and_(Page.page_number == 1, ~marked.exists())),
        col(Page.qc_passed).is_(True),
        ~read.exists(),
    )
    return stmt.order_by(col(Page.record_id), col(Page.page_number)).limit(limit)


QUERIES = {"previous": _previous_query, "now": waiting_query}
_use = ["now"]


def _query(project_id: int, limit: int = 8):  # noqa: ANN202
    return QUERIES[_use[0]](project_id, front_marks(list(DEFAULT_SEGMENTS)), limit)


def _driver_sql(conn, project_id: int) -> tuple[str, object]:  # noqa: ANN001
    """The poll's SQL and parameters as the app sends them (bound parameters, not literals)."""
    compiled = _query(project_id).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positiontup:  # SQLite: qmark
        return str(compiled), tuple(compiled.params[k] for k in compiled.positiontup)
    return str(compiled), compiled.params


def _median_sqlite(url: str, projects: int, runs: int) -> tuple[float, int]:
    """Median CPU seconds of this process for one poll of every project (SQLite runs here), and pages found."""
    engine = create_engine(url)
    samples, found = [], 0
    with engine.connect() as conn:
        for _ in range(runs):
            start, found = time.process_time(), 0
            for project_id in range(1, projects + 1):
                found += len(conn.execute(_query(project_id)).all())
            samples.append(time.process_time() - start)
    engine.dispose()
    return statistics.median(samples), found


def _median_postgres(url: str, projects: int, runs: int) -> tuple[float, int]:
    """Median server seconds (EXPLAIN ANALYZE's Execution Time) for one poll of every project, and pages found."""
    engine = create_engine(url)
    samples, found = [], 0
    with engine.connect() as conn:
        for _ in range(runs):
            total, found = 0.0, 0
            for project_id in range(1, projects + 1):
                sql, params = _driver_sql(conn, project_id)
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).scalar_one()
                total += plan[0]["Execution Time"] / 1000
                found += int(plan[0]["Plan"]["Actual Rows"])
            samples.append(total)
    engine.dispose()
    return statistics.median(samples), found


def _plan(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        sql, params = _driver_sql(conn, 1)
        explain = "EXPLAIN QUERY PLAN" if conn.dialect.name == "sqlite" else "EXPLAIN"
        rows = conn.exec_driver_sql(f"{explain} {sql}", params).all()
    engine.dispose()
    return "\n".join(f"    {row[-1]}" for row in rows)


def _busy(execute, pages: int) -> None:  # noqa: ANN001
    """Forget the readings of the last NEW records' front pages (they wait now), or read them again."""
    execute(f"DELETE FROM front_page_reading WHERE page_id > {pages - NEW * PER_RECORD}")


def measure(backend: str, pages: int, projects: int, runs: int) -> None:
    """Seed, then print the plan and poll times with and without the index."""
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="folio-bench-poll-"))
    if backend == "sqlite":
        path = tmp / "poll.db"
        url = seed_sqlite(path, pages, projects)

        def execute(sql: str) -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute(sql)
            conn.execute("ANALYZE")
            conn.close()

        def median() -> tuple[float, int]:
            return _median_sqlite(url, projects, runs)
    else:
        url = seed_postgres(pages, projects)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")

        def execute(sql: str) -> None:
            with engine.connect() as conn:
                conn.execute(text("SET session_replication_role = replica"))
                conn.execute(text(sql))
                conn.execute(text("ANALYZE"))

        def median() -> tuple[float, int]:
            return _median_postgres(url, projects, runs)

    print(
        f"\n{backend}: {pages:,} pages, {pages // PER_RECORD:,} records, {projects} projects "
        f"(seeded in {time.perf_counter() - t0:.0f} s)"
    )
    figures = {}
    for label, query, with_index in (
        ("before: the previous query, no index", "previous", False),
        (f"after: this query and {INDEX}", "now", True),
    ):
        _use[0] = query
        execute(INDEX_SQL if with_index else f"DROP INDEX IF EXISTS {INDEX}")
        print(f"  plan, {label} (project 1):\n{_plan(url)}")
        idle, found = median()
        assert found == 0, f"the idle poll found {found} pages"
        _busy(execute, pages)
        busy, found = median()
        assert found == NEW, f"the busy poll found {found} pages, not {NEW}"
        true, false = ("true", "false") if backend == "postgresql" else ("1", "0")
        execute(READINGS.format(true=true, false=false, first=pages - NEW * PER_RECORD, last=pages))
        figures[label] = (idle, busy)
    unit = "CPU s" if backend == "sqlite" else "s (server)"
    print(f"  one poll of all {projects} projects (median of {runs}):")
    for label, (idle, busy) in figures.items():
        print(f"    {label:45s} idle {idle:8.4f} {unit}, {NEW} waiting {busy:8.4f} {unit}")
    before, after = figures["before: the previous query, no index"], figures[f"after: this query and {INDEX}"]
    idle_ratio, busy_ratio = before[0] / max(after[0], 1e-6), before[1] / max(after[1], 1e-6)
    print(f"  idle poll {idle_ratio:.0f}× faster, busy poll {busy_ratio:.0f}×")
    if backend == "postgresql":
        engine.dispose()
        admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB}"))
        admin.dispose()
    else:
        path.unlink()
    print(f"  ({url.split('@')[-1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3_600_000)
    parser.add_argument("--projects", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        measure(backend, args.pages, args.projects, args.runs)


if __name__ == "__main__":
    main()
