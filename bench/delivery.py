"""Delivery export speed: pages per second writing a real package (images copied and re-hashed, one lossless
PDF per record, indexes, BagIt manifest, every file fsynced), against a plain copy of the same image files.

The images are 12-megapixel JPEGs with sensor noise (3-4 MB, like a document camera's), in a real image store;
the records are accepted through the acceptance service (a lot left past its review deadline).

    .venv/bin/python bench/delivery.py --records 20 --pages 20 --threads 1 4
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.acceptance.applying import apply_for_acceptance  # noqa: E402
from app.acceptance.service import Actor  # noqa: E402
from app.accounts.approvals import decide  # noqa: E402
from app.accounts.models import Role  # noqa: E402
from app.accounts.service import create_station, create_user  # noqa: E402
from app.accounts.signin import WebPrincipal  # noqa: E402
from app.core.clock import local_date, utcnow  # noqa: E402
from app.core.db import make_engine, writing  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.core.storage import LocalImageStore  # noqa: E402
from app.delivery import runner  # noqa: E402
from app.delivery.service import request_export, start_export  # noqa: E402
from app.delivery.verify import verify_package  # noqa: E402
from app.pages.models import Page, PageImage  # noqa: E402
from app.projects.service import create_project  # noqa: E402
from app.records.models import Record  # noqa: E402
from bench.ingest import twelve_mp_jpeg  # noqa: E402

DISTINCT = 12  # distinct camera images; every page gets its own bytes (a unique trailer after the JPEG's end)
MARKS = {1: "首页", 2: "入院记录", 4: "病程记录", 9: "医嘱单"}


def _principal(user) -> WebPrincipal:  # noqa: ANN001
    return WebPrincipal(user.id, user.username, user.display_name, user.role, user.project_id, 0, "", True, True)


def build(url: str, store: LocalImageStore, records: int, pages: int) -> tuple[list[Path], int]:
    """A project whose records are accepted; returns the stored image files and the project id."""
    upgrade(url)
    base = [twelve_mp_jpeg(i) for i in range(DISTINCT)]
    engine = make_engine(url)
    files: list[Path] = []
    past = utcnow() - timedelta(days=40)
    with Session(writing(engine)) as s:
        project = create_project(s, code="BENCH", name="delivery bench", start_date=(past - timedelta(days=30)).date())
        op = create_user(s, username="op", password="bench-password-1", role=Role.operator, project_id=project.id)
        mgr = create_user(
            s, username="mgr", password="bench-password-1", role=Role.vendor_manager, project_id=project.id
        )
        create_user(s, username="cust", password="bench-password-1", role=Role.custodian, project_id=project.id)
        station, _ = create_station(s, project_id=project.id, name="s")
        n = 0
        for r in range(records):
            record = Record(
                project_id=project.id,
                mrn=f"{900000 + r:08d}",
                visit=1,
                status="finished",
                paper_page_count=pages,
                finished_at=past,
                patient_name=f"患者{r}",
            )
            s.add(record)
            s.flush()
            for p in range(1, pages + 1):
                data = base[n % DISTINCT] + uuid.uuid4().bytes  # bytes after the JPEG's EOI are ignored
                n += 1
                sha = hashlib.sha256(data).hexdigest()
                store.put(data, sha)
                files.append(store.path_of(sha))
                at = past - timedelta(hours=1) + timedelta(seconds=n)
                page = Page(
                    project_id=project.id,
                    record_id=record.id,
                    page_number=p,
                    segment=MARKS.get(p),
                    operator_id=op.id,
                    station_id=station.id,
                    captured_at=at,
                    capture_date=at.date(),
                    qc_passed=True,
                )
                s.add(page)
                s.flush()
                image = PageImage(
                    page_id=page.id,
                    idempotency_key=uuid.uuid4().hex,
                    sha256=sha,
                    size_bytes=len(data),
                    media_type="image/jpeg",
                    width=3024,
                    height=4032,
                    operator_id=op.id,
                    station_id=station.id,
                    captured_at=at,
                    qc_passed=True,
                )
                s.add(image)
                s.flush()
                page.current_image_id = image.id
                s.add(page)
        day = local_date(past, project.timezone)
        apply_for_acceptance(s, project, period_end=day, actor=Actor(mgr.id, mgr.role), today=day, now=past)
        s.commit()
        project_id = project.id
    engine.dispose()
    return files, project_id


def export_once(url: str, store: LocalImageStore, project_id: int, target: Path, threads: int) -> float:
    """Request, approve, start and run an export; returns the seconds the writing took."""
    from sqlmodel import select

    from app.accounts.models import User
    from app.projects.models import Project

    engine = make_engine(url)
    with Session(writing(engine), expire_on_commit=False) as s:
        project = s.get(Project, project_id)
        users = {u.username: u for u in s.exec(select(User))}
        now = datetime.now(UTC)
        export = request_export(
            s, project, _principal(users["mgr"]), target=str(target), reason="bench", image_store=None, now=now
        )
        decide(s, export.approval_id, _principal(users["cust"]), approve=True, note="", now=now)
        start_export(s, project, export, actor={}, now=now)
        s.commit()
    t0 = time.perf_counter()
    result = runner.run_export(engine, store, export.id, threads=threads)
    took = time.perf_counter() - t0
    engine.dispose()
    assert result.status == "done", result
    return took


def plain_copy(files: list[Path], target: Path, *, fsync: bool) -> float:
    """Copy the same image files into a folder (the floor of any export); returns seconds."""
    target.mkdir(parents=True)
    t0 = time.perf_counter()
    for i, src in enumerate(files):
        dst = target / f"{i:07d}.jpg"
        shutil.copyfile(src, dst)
        if fsync:
            fd = os.open(dst, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    return time.perf_counter() - t0


def main() -> None:
    """Build the data, run the baselines and the exports, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20)
    ap.add_argument("--pages", type=int, default=20, help="pages per record")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--dir", help="work folder (default: a temporary folder on the system disk)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'folio.db'}"
        store = LocalImageStore(work / "images")
        t0 = time.perf_counter()
        files, project_id = build(url, store, args.records, args.pages)
        total = sum(f.stat().st_size for f in files)
        n = len(files)
        print(
            f"{args.records} accepted records × {args.pages} pages = {n} pages, {total / 1e6:,.0f} MB "
            f"({total / n / 1e6:.1f} MB per 12 MP JPEG); built in {time.perf_counter() - t0:.0f} s; "
            f"{os.cpu_count()} CPUs"
        )
        rows = []
        for fsync in (False, True):
            took = plain_copy(files, work / f"copy-{fsync}", fsync=fsync)
            rows.append((f"plain copy{' + fsync' if fsync else ''}", took))
            shutil.rmtree(work / f"copy-{fsync}")
        for threads in args.threads:
            target = work / f"delivery-{threads}"
            took = export_once(url, store, project_id, target, threads)
            rows.append((f"delivery export, {threads} thread{'s' if threads > 1 else ''}", took))
            if threads == args.threads[-1]:
                t1 = time.perf_counter()
                report = verify_package(target)
                assert report.ok, report.problems[:5]
                rows.append(("folio delivery verify (re-hash, count PDF pages)", time.perf_counter() - t1))
            pdf_mb = sum(p.stat().st_size for p in (target / "data" / "pdf").glob("*.pdf")) / 1e6
            shutil.rmtree(target)
        copy_fsync = rows[1][1]
        print(f"{'':54} {'seconds':>8} {'pages/s':>9} {'MB/s (images)':>14} {'vs copy+fsync':>14}")
        for name, took in rows:
            print(f"{name:54} {took:8.2f} {n / took:9.1f} {total / 1e6 / took:14.1f} {copy_fsync / took:13.2f}x")
        print(
            f"the package also holds {pdf_mb:,.0f} MB of PDFs (the same JPEG bytes embedded losslessly), "
            f"so an export writes about {(total / 1e6 + pdf_mb) / (total / 1e6):.1f}× the image bytes"
        )


if __name__ == "__main__":
    main()
