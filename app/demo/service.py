"""`folio demo`: a project with the contract's numbers, a user per role, a station and real page images."""

import random
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Role, User
from app.accounts.permissions import MFA_REQUIRED
from app.accounts.service import create_station, create_user, open_station_session
from app.core.qcpool import run_check
from app.core.storage import ImageStore, sha256_hex
from app.demo import paper
from app.demo.pages import demo_page
from app.pages.service import PageUpload, UploadLimits, ingest_page
from app.projects.models import Project
from app.projects.service import create_project
from app.records.service import finish_record

DEMO_CODE = "DEMO"
# A record the records room has checked out to the vendor but nobody has captured yet: the one to open at the
# capture station (the first scan of a number that was never checked out is refused).
STATION_READY = ("00990001", 1)
DEMO_PASSWORD_SUFFIX = "-demo-2026"  # each demo user's password is <username>-demo-2026

DEMO_USERS = [  # (user name, the person's name, role): screens show the role beside the name themselves
    ("op_zhang", "张敏", Role.operator),
    ("op_li", "李强", Role.operator),
    ("op_wang", "王芳", Role.operator),
    ("qc_chen", "陈静", Role.vendor_qc),
    ("mgr_zhao", "赵磊", Role.vendor_manager),
    ("rev_sun", "孙丽", Role.reviewer),
    ("cust_zhou", "周红", Role.custodian),
    ("fin_wu", "吴刚", Role.finance),
    ("admin", "刘洋", Role.sysadmin),
    ("auditor", "郑洁", Role.audit_admin),
]


@dataclass
class DemoResult:
    """What the demo created, for the CLI to print."""

    project_id: int
    created: bool
    station_token: str | None = None
    pages: int = 0
    failed_pages: int = 0
    station_barcode: str = f"{STATION_READY[0]}-{STATION_READY[1]}"


# progress(step, done, total): step is "render" (page images drawn and checked) or "ingest" (pages stored).
Progress = Callable[[str, int, int], None]


def _page_plan(pages: int, days: list[date], tz: str, seed: int) -> list[dict]:
    rng = random.Random(seed)
    plan: list[dict] = []
    record_no = 0
    while len(plan) < pages:
        record_no += 1
        count = rng.randint(8, 30)
        day = days[min(len(days) - 1, len(plan) * len(days) // pages)]
        start = datetime.combine(day, time(9, 0), ZoneInfo(tz)) + timedelta(minutes=rng.randint(0, 400))
        operator = DEMO_USERS[record_no % 3][0]
        for n in range(1, count + 1):
            defect = rng.random()
            plan.append(
                {
                    "mrn": f"{(record_no * 7919) % 1_000_000:08d}",
                    "visit": 1 + record_no % 3,
                    "page": n,
                    "count": count,
                    "operator": operator,
                    "captured_at": start + timedelta(seconds=25 * n),
                    "seed": seed * 100_000 + len(plan),
                    "blur": 3.5 if defect < 0.05 else 0.0,
                    "dark": 0.05 <= defect < 0.07,
                }
            )
            if plan[-1]["blur"] or plan[-1]["dark"]:
                if rng.random() < 0.7:  # the operator re-shoots most failed pages at once
                    plan.append(
                        {
                            **plan[-1],
                            "blur": 0.0,
                            "dark": False,
                            "seed": plan[-1]["seed"] + 50_000,
                            "captured_at": plan[-1]["captured_at"] + timedelta(seconds=10),
                        }
                    )
            if len(plan) >= pages:
                break
    return plan


def _render_and_check(item: dict) -> tuple[bytes, dict]:
    data = demo_page(item["seed"], page=item["page"], blur=item["blur"], dark=item["dark"])
    return data, run_check(data, None, False)


def seed_demo(
    session: Session,
    *,
    store: ImageStore,
    limits: UploadLimits,
    pages: int,
    today: date,
    workers: int = 2,
    progress: Progress | None = None,
) -> DemoResult:
    """Create the demo project (once) with users, a station and generated pages captured over recent days, and
    one checked-out record not yet captured (STATION_READY). `progress` hears how far the page images are."""
    tick = progress or (lambda _step, _done, _total: None)
    existing = session.exec(select(Project).where(Project.code == DEMO_CODE)).first()
    if existing is not None:
        return DemoResult(project_id=existing.id, created=False)
    project = create_project(
        session,
        code=DEMO_CODE,
        name="示例医院病案数字化项目",
        client="示例人民医院",
        vendor="示例数字化服务公司",
        start_date=today - timedelta(days=60),
    )
    result = DemoResult(project_id=project.id, created=True)
    for username, display, role in DEMO_USERS:
        password = username + DEMO_PASSWORD_SUFFIX
        user = create_user(
            session, username=username, password=password, role=role, display_name=display, project_id=project.id
        )
        if role in MFA_REQUIRED:  # enrolled already, so that `folio demo-code USER` can sign them in
            user.totp_secret = totp.new_secret()
            session.add(user)
    station, token = create_station(session, project_id=project.id, name="翻拍工位 01")
    result.station_token = token
    now = datetime.now(ZoneInfo(project.timezone))
    principals = {
        username: open_station_session(
            session, station_token=token, username=username, password=username + DEMO_PASSWORD_SUFFIX, now=now, hours=12
        ).principal
        for username, _, role in DEMO_USERS
        if role == Role.operator
    }
    days = [today - timedelta(days=d) for d in range(6, -1, -1)]
    plan = _page_plan(pages, days, project.timezone, seed=2026)
    # Render and check the images in parallel; ingest then reuses each report instead of checking again.
    rendered = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for item in pool.map(_render_and_check, plan, chunksize=8):
            rendered.append(item)
            tick("render", len(rendered), len(plan))
    reports = {sha256_hex(data): report for data, report in rendered}
    # Paper first (issue 9): the records room checks every planned record out to the vendor before capture.
    users = {u.username: u for u in session.exec(select(User).where(User.project_id == project.id))}
    keys = [*dict.fromkeys((item["mrn"], item["visit"]) for item in plan), STATION_READY]
    paper.check_out_all(session, project, users["cust_zhou"], users["mgr_zhao"], keys, now)
    for done, (item, (data, _)) in enumerate(zip(plan, rendered, strict=True), start=1):
        upload = PageUpload(
            data=data,
            idempotency_key=str(uuid.uuid4()),
            page_number=item["page"],
            mrn=item["mrn"],
            visit=item["visit"],
            segment=paper.SEGMENT_MARKS.get(item["page"]),
            captured_at=item["captured_at"],
        )
        res = ingest_page(
            session,
            principal=principals[item["operator"]],
            project=project,
            upload=upload,
            store=store,
            qc_runner=lambda d, _p, _b: reports[sha256_hex(d)],
            limits=limits,
            now=now,
        )
        result.pages += 1
        result.failed_pages += 0 if res.image.qc_passed else 1
        if item["page"] == item["count"] and res.created:
            finish_record(session, res.record, paper_page_count=item["count"], now=now)
        tick("ingest", done, len(plan))
    paper.box_shelve_return(session, project, users["cust_zhou"], users["mgr_zhao"], now)
    paper.front_pages(session, project, users["mgr_zhao"], today, seed=2026)
    return result


def demo_user_count(session: Session) -> int:
    """How many users exist (the demo refuses to mix with a real installation's users)."""
    return len(session.exec(select(User.id)).all())


def demo_code(session: Session, username: str, unix_time: float) -> str:
    """The current TOTP code of a demo user (demo project only): the demo's stand-in for a phone app."""
    user = session.exec(select(User).where(User.username == username)).first()
    project = session.exec(select(Project).where(Project.code == DEMO_CODE)).first()
    if user is None or project is None or user.project_id != project.id:
        raise DemoError(f"{username!r} is not a user of the demo project")
    if not user.totp_secret:
        raise DemoError(f"{username!r} does not use a second factor")
    return totp.code_at(user.totp_secret, totp.step_of(unix_time))


class DemoError(Exception):
    """A demo command was asked about something that is not demo data."""
