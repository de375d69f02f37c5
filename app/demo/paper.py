"""The demo's paper: the records room checks the records out before capture (the project requires it), the
vendor packs finished records into boxes on shelves and returns some; front-page fields; segment marks."""

import random
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.custody.handovers import confirm_handover, create_handover
from app.custody.listing import handover_items
from app.custody.locations import add_boxes, add_shelf, pack, shelve
from app.custody.policy import save_policy
from app.custody.rules import ScanLine
from app.frontpage.service import enter_front_page
from app.projects.models import Project
from app.records.models import Record, RecordStatus

# The demo station marks where segments start: page 1 the front page, then admission notes, then progress notes.
SEGMENT_MARKS = {1: "首页", 2: "入院记录", 4: "病程记录"}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英")
_CASES = [
    ("急性阑尾炎", "K35.800", "腹腔镜下阑尾切除术", "47.0100"),
    ("胆囊结石伴慢性胆囊炎", "K80.100", "腹腔镜下胆囊切除术", "51.2300"),
    ("社区获得性肺炎", "J18.900", None, None),
    ("原发性高血压", "I10.x00x002", None, None),
    ("2型糖尿病", "E11.900", None, None),
    ("股骨颈骨折", "S72.000", "人工髋关节置换术", "81.5100"),
    ("腹股沟疝", "K40.900", "腹股沟疝修补术", "53.0000"),
]


def _actor(user: User) -> dict:
    return {"actor_user_id": user.id, "actor_role": user.role}


def check_out_all(
    session: Session, project: Project, custodian: User, manager: User, keys: list[tuple[str, int]], now: datetime
) -> None:
    """Switch the check-out rule on and check every planned record out in two confirmed batches (20 and 8 days
    ago, so that the outstanding list shows a warning)."""
    save_policy(session, project.id, require_checkout=True, overdue_days=14, actor=_actor(custodian), now=now)
    half = len(keys) // 2
    for batch, days_ago in ((keys[:half], 20), (keys[half:], 8)):
        if not batch:
            continue
        at = now - timedelta(days=days_ago)
        lines = [ScanLine(f"{mrn}-{visit}") for mrn, visit in batch]
        lines[0] = ScanLine(lines[0].code, "fragile", "纸张发黄变脆，请轻拿轻放")
        handover = create_handover(
            session,
            project,
            kind="checkout",
            lines=lines,
            declared_count=len(lines),
            counterpart_id=manager.id,
            note="演示批次",
            user_id=custodian.id,
            actor=_actor(custodian),
            now=at,
        )
        flagged = {i.id for i in handover_items(session, handover.id) if i.condition != "normal"}
        confirm_handover(session, handover, user_id=manager.id, acknowledged=flagged, actor=_actor(manager), now=at)


def box_shelve_return(session: Session, project: Project, custodian: User, manager: User, now: datetime) -> None:
    """Pack finished records ten to a box on two shelves; the last box goes back to the records room (the first
    boxes hold records out for 20 days: the outstanding list warns about them)."""
    finished = list(
        session.exec(
            select(Record)
            .where(Record.project_id == project.id, Record.status == RecordStatus.finished)
            .order_by(col(Record.id))
        )
    )
    shelves = [
        add_shelf(session, project, barcode=f"SH-A{n:02d}", place=f"数字化室 A 排 {n} 列", actor=_actor(manager))
        for n in (1, 2)
    ]
    count = max(1, (len(finished) + 9) // 10)
    boxes = add_boxes(session, project, barcodes=[f"BX{n:04d}" for n in range(1, count + 1)], actor=_actor(manager))
    for i, record in enumerate(finished):
        box = boxes[i // 10]
        pack(session, project, box, record, user_id=manager.id, actor=_actor(manager), now=now)
    for i, box in enumerate(boxes):
        shelve(session, project, shelves[i % 2], box, user_id=manager.id, actor=_actor(manager), now=now)
    back = [b.barcode for b in boxes[-1:] if finished]
    if back:
        lines = [ScanLine(code) for code in back]
        records = len(finished) - 10 * (len(boxes) - 1)
        handover = create_handover(
            session,
            project,
            kind="return",
            lines=lines,
            declared_count=records,
            counterpart_id=manager.id,
            note="",
            user_id=custodian.id,
            actor=_actor(custodian),
            now=now,
        )
        confirm_handover(session, handover, user_id=manager.id, acknowledged=set(), actor=_actor(manager), now=now)


def front_pages(session: Session, project: Project, manager: User, today: date, seed: int) -> None:
    """Plausible front-page fields for every demo record (made-up names)."""
    rng = random.Random(seed)
    for record in session.exec(select(Record).where(Record.project_id == project.id).order_by(col(Record.id))):
        diagnosis, dcode, operation, ocode = rng.choice(_CASES)
        values = {
            "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            "discharge_date": (today - timedelta(days=rng.randint(400, 3000))).isoformat(),
            "diagnosis": diagnosis,
            "diagnosis_code": dcode,
            "operation": operation or "",
            "operation_code": ocode or "",
        }
        enter_front_page(
            session,
            record,
            values,
            user_id=manager.id,
            actor=_actor(manager),
            today=today,
            now=datetime.now().astimezone(),
        )
