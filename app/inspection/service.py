"""The inspection queue and re-shoot tasks: rates, enqueueing at ingest, claims, verdicts, flags, closing.

Every flag and every task change writes an audit event in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import record_event
from app.core.clock import local_date
from app.inspection.exceptions import (
    AlreadyFlagged,
    AlreadyInspected,
    BadFlag,
    BadRate,
    ClaimedByOther,
    ImageSuperseded,
    ItemNotFound,
    OperatorNotFound,
    TaskNotFound,
)
from app.inspection.models import (
    InspectionItem,
    InspectionRate,
    InspectionVerdict,
    PageHash,
    ReshootTask,
    TaskStatus,
)
from app.inspection.rules import RateStep, drawn, flag_problem, near_threshold, rate_on
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record

# A page taken by an inspector who then went quiet is offered to others after this long.
STALE_CLAIM = timedelta(minutes=10)


def profile_thresholds(project: Project) -> dict:
    """The project's QC profile as a dict of thresholds (qc's defaults where the project sets none)."""
    import qc

    return qc.load_profile(project.qc_profile or {}).to_dict()


# --- rates ------------------------------------------------------------------------------------


def rate_schedule(session: Session, project_id: int) -> list[RateStep]:
    """Every step of the project's rate schedule."""
    rows = session.exec(select(InspectionRate).where(InspectionRate.project_id == project_id)).all()
    return [RateStep(r.operator_id, r.from_date, r.percent) for r in rows]


def rate_rows(session: Session, project_id: int) -> list[InspectionRate]:
    """The schedule's rows for the manager's screen: default first, then by operator and day."""
    rows = session.exec(select(InspectionRate).where(InspectionRate.project_id == project_id)).all()
    return sorted(rows, key=lambda r: (r.operator_id or 0, r.from_date, r.id or 0))


def set_rate(
    session: Session,
    project: Project,
    *,
    operator_id: int | None,
    percent: str | Decimal,
    from_date: date,
    user_id: int,
    actor: dict,
    now: datetime,
) -> InspectionRate:
    """From `from_date` on, inspect `percent` (0-100) of the operator's pages (None: the project default).

    Raises BadRate (422) for a percent outside 0-100, OperatorNotFound (404) for a user who is not an
    operator of the project. A later row for the same operator and day replaces the earlier one."""
    try:
        value = Decimal(str(percent).strip().rstrip("%"))
    except InvalidOperation:
        raise BadRate(f"the rate must be a number from 0 to 100, not {percent!r}") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise BadRate("the rate must be a number from 0 to 100")
    value = value.quantize(Decimal("0.01"))
    if operator_id is not None:
        user = session.get(User, operator_id)
        if user is None or user.project_id != project.id or user.role != "operator":
            raise OperatorNotFound(f"operator {operator_id} does not exist")
    same_day = session.exec(
        select(InspectionRate).where(
            InspectionRate.project_id == project.id,
            InspectionRate.from_date == from_date,
            InspectionRate.operator_id == operator_id
            if operator_id is not None
            else col(InspectionRate.operator_id).is_(None),
        )
    ).first()
    row = same_day or InspectionRate(
        project_id=project.id, operator_id=operator_id, from_date=from_date, percent=value, set_by=user_id
    )
    before = str(row.percent) if same_day else None
    row.percent, row.set_by, row.set_at = value, user_id, now
    session.add(row)
    session.flush()
    record_event(
        session,
        "inspection.rate",
        project_id=project.id,
        object_type="inspection_rate",
        object_id=row.id,
        detail={"operator_id": operator_id, "from": from_date.isoformat(), "percent": str(value), "before": before},
        **actor,
    )
    return row


# --- at ingest --------------------------------------------------------------------------------


def after_ingest(
    session: Session,
    *,
    project: Project,
    page: Page,
    image: PageImage,
    previous_image_id: int | None,
    report: dict,
    actor: dict,
) -> None:
    """Called by page ingest after a new image is written: keep its hash, close the page's open re-shoot task,
    and put the image into the inspection queue when the rate draws it, its figures lie close to a threshold,
    or it re-shoots a flagged page."""
    thresholds = profile_thresholds(project)
    metrics = image.qc_metrics or {}
    phash = report.get("phash")
    if phash:
        ink = metrics.get("ink_ratio")
        blank = (
            page.intentionally_blank
            or "blank" in (image.qc_reasons or [])
            or (ink is not None and float(ink) < float(thresholds.get("min_ink_ratio", 0)))
        )
        session.add(PageHash(image_id=image.id, record_id=page.record_id, phash=phash, blank=blank))
    closed = close_tasks(session, page, image, actor=actor) if previous_image_id is not None else []
    if not image.qc_passed:
        return  # a failing shot is re-shot at the station anyway
    near = near_threshold(metrics, thresholds, intentionally_blank=page.intentionally_blank)
    if closed:
        why = "reshoot"
    elif near:
        why = "near"
    elif drawn(project.id, image.id, rate_on(rate_schedule(session, project.id), page.operator_id, page.capture_date)):
        why = "rate"
    else:
        return
    session.add(
        InspectionItem(
            project_id=project.id,
            page_id=page.id,
            record_id=page.record_id,
            image_id=image.id,
            operator_id=image.operator_id,
            station_id=image.station_id,
            capture_date=page.capture_date,
            why=why,
            near=near,
            created_at=image.uploaded_at,
        )
    )
    session.flush()


def close_tasks(session: Session, page: Page, image: PageImage, *, actor: dict) -> list[ReshootTask]:
    """A re-shoot of the page closes its open task (the flagged image stays in the page's history)."""
    tasks = session.exec(
        select(ReshootTask).where(ReshootTask.page_id == page.id, ReshootTask.status == TaskStatus.open)
    ).all()
    for task in tasks:
        task.status, task.closed_at, task.closed_by_image_id = TaskStatus.closed, image.uploaded_at, image.id
        session.add(task)
        session.flush()
        record_event(
            session,
            "reshoot_task.close",
            project_id=task.project_id,
            object_type="reshoot_task",
            object_id=task.id,
            detail={
                "page_id": page.id,
                "page_number": page.page_number,
                "image_id": image.id,
                "flagged_image_id": task.image_id,
            },
            **actor,
        )
    return list(tasks)


# --- the queue --------------------------------------------------------------------------------


def _open_items(project_id: int):  # noqa: ANN202  (a select)
    """Unjudged items whose image is still the page's current image."""
    return (
        select(InspectionItem)
        .join(Page, col(Page.id) == col(InspectionItem.page_id))
        .where(
            InspectionItem.project_id == project_id,
            col(InspectionItem.verdict).is_(None),
            col(Page.current_image_id) == col(InspectionItem.image_id),
            col(Page.deleted_at).is_(None),
        )
    )


def _claim(session: Session, item_id: int, user_id: int, now: datetime, stale_before: datetime | None) -> bool:
    """Take an item atomically (a conditional UPDATE holds the row): two inspectors never get the same page."""
    free = col(InspectionItem.inspector_id).is_(None)
    if stale_before is not None:
        free = free | (col(InspectionItem.claimed_at) < stale_before)
    result = session.execute(
        update(InspectionItem)
        .where(col(InspectionItem.id) == item_id, col(InspectionItem.verdict).is_(None), free)
        .values(inspector_id=user_id, claimed_at=now)
    )
    return result.rowcount == 1


def next_item(session: Session, project_id: int, user_id: int, now: datetime) -> InspectionItem | None:
    """The inspector's next page: one already taken by him, else a free one (figures close to a threshold and
    re-shoots first, then oldest), else one left by a colleague for longer than STALE_CLAIM; None when empty."""
    mine = session.exec(
        _open_items(project_id).where(InspectionItem.inspector_id == user_id).order_by(col(InspectionItem.id))
    ).first()
    if mine is not None:
        return mine
    for stale_before in (None, now - STALE_CLAIM):
        query = _open_items(project_id)
        if stale_before is None:
            query = query.where(col(InspectionItem.inspector_id).is_(None))
        else:
            query = query.where(col(InspectionItem.claimed_at) < stale_before)
        query = query.order_by((col(InspectionItem.why) == "rate"), col(InspectionItem.id)).limit(20)
        for item in session.exec(query).all():
            if _claim(session, item.id, user_id, now, stale_before):
                session.refresh(item)
                return item
    return None


def get_item(session: Session, project_id: int, item_id: int) -> InspectionItem:
    """An inspection item of the project, or a 404."""
    item = session.get(InspectionItem, item_id)
    if item is None or item.project_id != project_id:
        raise ItemNotFound(f"inspection item {item_id} does not exist")
    return item


def _current_page(session: Session, project_id: int, page_id: int, image_id: int) -> Page:
    page = session.get(Page, page_id)
    if page is None or page.project_id != project_id:
        from app.pages.exceptions import PageNotFound

        raise PageNotFound(f"page {page_id} does not exist")
    if page.deleted_at is not None or page.current_image_id != image_id:
        raise ImageSuperseded(
            f"image {image_id} of page {page_id} is no longer its current image: the page was re-shot or withdrawn"
        )
    return page


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else "?"


def judge(
    session: Session,
    project: Project,
    item: InspectionItem,
    *,
    verdict: str,
    defect: str | None,
    note: str | None,
    user_id: int,
    actor: dict,
    now: datetime,
) -> ReshootTask | None:
    """Pass an inspected page, or flag it with a defect code and a note (which opens a re-shoot task).

    409 image_superseded when the page was re-shot meanwhile, 409 claimed_by_other when a colleague holds the
    page, 409 already_inspected when another verdict was recorded first, 409 already_flagged when the page has
    an open task. The first verdict wins; nothing of the loser's is written."""
    note = (note or "").strip() or None
    if verdict not in (InspectionVerdict.passed, InspectionVerdict.flagged):
        raise BadFlag("the verdict is pass or flag", code="bad_verdict")
    if verdict == InspectionVerdict.flagged:
        problem = flag_problem(defect, note)
        if problem:
            raise BadFlag(f"the flag is incomplete: {problem}", code=problem)
    else:
        defect = None
    _current_page(session, project.id, item.page_id, item.image_id)
    if item.inspector_id not in (None, user_id) and item.claimed_at and item.claimed_at >= now - STALE_CLAIM:
        if item.verdict is None:
            raise ClaimedByOther(f"{_name(session, item.inspector_id)} is inspecting this page")
    done = session.execute(
        update(InspectionItem)
        .where(col(InspectionItem.id) == item.id, col(InspectionItem.verdict).is_(None))
        .values(
            verdict=verdict,
            defect=defect,
            note=note,
            inspected_by=user_id,
            inspected_at=now,
            inspected_on=local_date(now, project.timezone),
            inspector_id=item.inspector_id or user_id,
            claimed_at=item.claimed_at or now,
        )
    )
    if done.rowcount != 1:
        session.refresh(item)
        raise AlreadyInspected(f"{_name(session, item.inspected_by)} has already judged this page ({item.verdict})")
    session.refresh(item)
    if verdict == InspectionVerdict.passed:
        record_event(
            session,
            "inspection.pass",
            project_id=project.id,
            object_type="inspection_item",
            object_id=item.id,
            detail={"page_id": item.page_id, "image_id": item.image_id},
            **actor,
        )
        return None
    return flag_page(
        session,
        project,
        item.page_id,
        item.image_id,
        defect=defect,
        note=note,
        user_id=user_id,
        actor=actor,
        now=now,
        item=item,
    )


def flag_page(
    session: Session,
    project: Project,
    page_id: int,
    image_id: int,
    *,
    defect: str | None,
    note: str | None,
    user_id: int,
    actor: dict,
    now: datetime,
    item: InspectionItem | None = None,
) -> ReshootTask:
    """Open a re-shoot task for the page's current image (record, page number, reason, note, who).

    404 for another project's page, 409 image_superseded when `image_id` is no longer current, 409
    already_flagged when the page has an open task (two inspectors at once: the first wins)."""
    note = (note or "").strip() or None
    problem = flag_problem(defect, note)
    if problem:
        raise BadFlag(f"the flag is incomplete: {problem}", code=problem)
    page = _current_page(session, project.id, page_id, image_id)
    image = session.get(PageImage, image_id)
    assert image is not None
    existing = open_task_of_page(session, page.id)
    if existing is not None:
        raise AlreadyFlagged(f"{_name(session, existing.flagged_by)} has already flagged this page")
    task = ReshootTask(
        project_id=project.id,
        record_id=page.record_id,
        page_id=page.id,
        page_number=page.page_number,
        image_id=image_id,
        operator_id=image.operator_id,
        station_id=image.station_id,
        reason=defect or "other",
        note=note,
        item_id=item.id if item else None,
        flagged_by=user_id,
        flagged_at=now,
    )
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        # A colleague's flag on the same page committed between our look and our write (the unique open task).
        winner = open_task_of_page(session, page.id)
        who = _name(session, winner.flagged_by) if winner else "?"
        raise AlreadyFlagged(f"{who} has already flagged this page") from None
    record_event(
        session,
        "reshoot_task.open",
        project_id=project.id,
        object_type="reshoot_task",
        object_id=task.id,
        detail={
            "record_id": page.record_id,
            "page_id": page.id,
            "page_number": page.page_number,
            "image_id": image_id,
            "reason": task.reason,
            "note": note,
            "item_id": task.item_id,
        },
        **actor,
    )
    return task


def open_task_of_page(session: Session, page_id: int) -> ReshootTask | None:
    """The page's open re-shoot task, if any."""
    return session.exec(
        select(ReshootTask).where(ReshootTask.page_id == page_id, ReshootTask.status == TaskStatus.open)
    ).first()


def get_task(session: Session, project_id: int, task_id: int) -> ReshootTask:
    """A re-shoot task of the project, or a 404."""
    task = session.get(ReshootTask, task_id)
    if task is None or task.project_id != project_id:
        raise TaskNotFound(f"re-shoot task {task_id} does not exist")
    return task


def cancel_task(session: Session, task: ReshootTask, *, user_id: int, actor: dict, now: datetime) -> ReshootTask:
    """Withdraw an open task (flagged by mistake); a closed or cancelled task stays as it is (409)."""
    done = session.execute(
        update(ReshootTask)
        .where(col(ReshootTask.id) == task.id, col(ReshootTask.status) == TaskStatus.open)
        .values(status=TaskStatus.cancelled, closed_at=now)
    )
    if done.rowcount != 1:
        raise AlreadyInspected("this task is no longer open", code="task_not_open")
    session.refresh(task)
    record_event(
        session,
        "reshoot_task.cancel",
        project_id=task.project_id,
        object_type="reshoot_task",
        object_id=task.id,
        detail={"page_id": task.page_id, "by": user_id},
        **actor,
    )
    return task


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """A re-shoot task as a station or a screen shows it: the page's number today and who flagged it."""

    task: ReshootTask
    page_number: int
    flagged_by_name: str
    record: Record


def record_tasks(session: Session, record: Record, *, only_open: bool = True) -> list[TaskView]:
    """The record's re-shoot tasks (open ones by default) in page order."""
    query = (
        select(ReshootTask, Page)
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .where(ReshootTask.record_id == record.id)
    )
    if only_open:
        query = query.where(ReshootTask.status == TaskStatus.open, col(Page.deleted_at).is_(None))
    rows = session.exec(query.order_by(col(Page.page_number), col(ReshootTask.id))).all()
    return [TaskView(task, page.page_number, _name(session, task.flagged_by), record) for task, page in rows]


def project_tasks(
    session: Session, project_id: int, *, status: str = TaskStatus.open, limit: int = 500
) -> list[TaskView]:
    """The project's tasks with a status, oldest first (at most `limit`)."""
    rows = session.exec(
        select(ReshootTask, Page, Record)
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .join(Record, col(Record.id) == col(ReshootTask.record_id))
        .where(ReshootTask.project_id == project_id, ReshootTask.status == status)
        .order_by(col(ReshootTask.id))
        .limit(limit)
    ).all()
    return [TaskView(task, page.page_number, _name(session, task.flagged_by), record) for task, page, record in rows]


def open_task_exists(record_id_column):  # noqa: ANN001, ANN201  (a column, an EXISTS clause)
    """EXISTS (an open re-shoot task of the record): what keeps a record out of an acceptance lot."""
    from sqlalchemy import exists

    return exists().where(
        ReshootTask.record_id == record_id_column,
        ReshootTask.status == TaskStatus.open,
        col(Page.id) == col(ReshootTask.page_id),
        col(Page.deleted_at).is_(None),  # a withdrawn page's task holds nothing back
    )


@dataclass(frozen=True)
class HeldBack:
    """A record kept out of an acceptance lot because of open re-shoot tasks: which pages and why."""

    record_id: int
    mrn: str
    visit: int
    pages: list[tuple[int, str]]  # (page number, defect code)


def held_back_records(session: Session, project_id: int, *, limit: int = 200) -> list[HeldBack]:
    """Finished records not in a lot that have open re-shoot tasks, with their flagged pages and reasons."""
    from app.acceptance.models import LotRecord
    from app.records.models import RecordStatus

    rows = session.exec(
        select(Record, Page.page_number, ReshootTask.reason)
        .join(ReshootTask, col(ReshootTask.record_id) == col(Record.id))
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .where(
            Record.project_id == project_id,
            ReshootTask.status == TaskStatus.open,
            col(Page.deleted_at).is_(None),
            Record.status == RecordStatus.finished,
            col(Record.id).not_in(select(LotRecord.record_id)),
        )
        .order_by(col(Record.mrn), col(Record.visit), col(Page.page_number))
    ).all()
    found: dict[int, HeldBack] = {}
    for record, number, reason in rows:
        if record.id not in found:
            if len(found) >= limit:
                break
            found[record.id] = HeldBack(record.id, record.mrn, record.visit, [])
        found[record.id].pages.append((number, reason))
    return list(found.values())


def operators_of(session: Session, project_id: int) -> list[User]:
    """The project's operators, by name (for the rate form)."""
    return list(
        session.exec(
            select(User).where(User.project_id == project_id, User.role == "operator").order_by(col(User.display_name))
        )
    )


@dataclass(frozen=True)
class PaperNeeded:
    """A record with open re-shoot tasks and where its paper is now."""

    record: Record
    tasks: int
    custody_state: str | None  # in | pending_out | out, None when custody was never recorded
    needs_checkout: bool  # the paper is back in the records room: the custodian must hand it out again


def paper_needed(session: Session, project_id: int, *, limit: int = 1000) -> list[PaperNeeded]:
    """Records with open re-shoot tasks, those whose paper is back in the records room first."""
    from sqlalchemy import func

    from app.custody.models import CustodyState, RecordCustody

    rows = session.exec(
        select(Record, func.count(col(ReshootTask.id)), RecordCustody.state)
        .join(ReshootTask, col(ReshootTask.record_id) == col(Record.id))
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .outerjoin(RecordCustody, col(RecordCustody.record_id) == col(Record.id))
        .where(Record.project_id == project_id, ReshootTask.status == TaskStatus.open, col(Page.deleted_at).is_(None))
        .group_by(col(Record.id), col(RecordCustody.state))
        .order_by(col(Record.mrn), col(Record.visit))
        .limit(limit)
    ).all()
    found = [PaperNeeded(r, n, state, state == CustodyState.inside) for r, n, state in rows]
    return sorted(found, key=lambda p: not p.needs_checkout)


def held_back_text(held: list[HeldBack], gettext, defect_words) -> str:  # noqa: ANN001
    """One line for the lot application: which records were held back for open re-shoot tasks, which pages, why.

    gettext: the user's translation function; defect_words: code -> msgid of a defect."""
    if not held:
        return ""
    parts = []
    for h in held[:20]:
        pages = ", ".join(
            gettext("page %(n)s (%(why)s)") % {"n": n, "why": gettext(defect_words(code))} for n, code in h.pages
        )
        parts.append(f"{h.mrn}/{h.visit}: {pages}")
    more = " …" if len(held) > 20 else ""
    return gettext("Held back for open re-shoot tasks:") + " " + "; ".join(parts) + more


def lot_application_notes(session: Session, project_id: int) -> dict:
    """What the lot application page shows from vendor QC: records held back by open re-shoot tasks (with pages
    and reasons) and finished records with suspected repeated pages."""
    from app.inspection.repeats import finished_with_repeats

    return {
        "qc_held_back": held_back_records(session, project_id),
        "qc_repeats": finished_with_repeats(session, project_id),
    }
