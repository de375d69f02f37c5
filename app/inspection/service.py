"""The inspection queue and re-shoot tasks: rates, enqueueing at ingest, claims, verdicts, flags, closing.

Every flag and every task change writes an audit event in the same transaction.
"""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.acceptance.models import Lot, LotRecord, LotStatus
from app.audit.service import record_event
from app.core.clock import local_date
from app.inspection.exceptions import (
    AlreadyFlagged,
    AlreadyInspected,
    BadFlag,
    ClaimedByOther,
    ImageSuperseded,
    ItemNotFound,
    PageHasOpenTask,
    RecordInLot,
)
from app.inspection.models import (
    InspectionItem,
    InspectionVerdict,
    PageHash,
    ReshootTask,
    TaskStatus,
)
from app.inspection.rates import rate_schedule
from app.inspection.rules import drawn, flag_problem, near_threshold, rate_on
from app.inspection.tally import count_flag, count_inspected
from app.inspection.tasks import open_task_of_page, user_name
from app.pages.models import Page, PageImage
from app.projects.models import Project

# A page taken by an inspector who then went quiet is offered to others after this long.
STALE_CLAIM = timedelta(minutes=10)


def profile_thresholds(project: Project) -> dict:
    """The project's QC profile as a dict of thresholds (qc's defaults where the project sets none)."""
    import qc

    return qc.load_profile(project.qc_profile or {}).to_dict()


def is_blank(page: Page, image: PageImage, thresholds: dict) -> bool:
    """Whether the image shows a blank page (marked intentionally blank, failed as blank, or with less ink than the
    profile's min_ink_ratio): such pages are left out of the repeat search."""
    ink = (image.qc_metrics or {}).get("ink_ratio")
    return bool(
        page.intentionally_blank
        or "blank" in (image.qc_reasons or [])
        or (ink is not None and float(ink) < float(thresholds.get("min_ink_ratio", 0)))
    )


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
        blank = is_blank(page, image, thresholds)
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
    an open task; 409 page_has_open_task for a pass of a page a colleague flagged outside the queue (its task is
    still open). The first verdict wins; nothing of the loser's is written."""
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
    if verdict == InspectionVerdict.passed and open_task_of_page(session, item.page_id) is not None:
        raise PageHasOpenTask("this page has an open re-shoot task: it cannot pass until it is re-shot")
    if item.inspector_id not in (None, user_id) and item.claimed_at and item.claimed_at >= now - STALE_CLAIM:
        if item.verdict is None:
            raise ClaimedByOther(f"{user_name(session, item.inspector_id)} is inspecting this page")
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
        raise AlreadyInspected(f"{user_name(session, item.inspected_by)} has already judged this page ({item.verdict})")
    session.refresh(item)
    count_inspected(session, item)
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
    already_flagged when the page has an open task (two inspectors at once: the first wins), 409 record_in_lot
    (naming the lot) when the page's record is in an acceptance lot that is not being corrected: its manifest is
    frozen, the vendor corrects through the acceptance process (a lot in correction may be flagged)."""
    note = (note or "").strip() or None
    problem = flag_problem(defect, note)
    if problem:
        raise BadFlag(f"the flag is incomplete: {problem}", code=problem)
    page = _current_page(session, project.id, page_id, image_id)
    lot = session.exec(
        select(Lot.number)
        .join(LotRecord, col(LotRecord.lot_id) == col(Lot.id))
        .where(LotRecord.record_id == page.record_id, Lot.status != LotStatus.correcting)
    ).first()
    if lot is not None:
        raise RecordInLot(f"the record is in acceptance lot {lot}: correct it through the acceptance process", lot=lot)
    image = session.get(PageImage, image_id)
    assert image is not None
    existing = open_task_of_page(session, page.id)
    if existing is not None:
        raise AlreadyFlagged(f"{user_name(session, existing.flagged_by)} has already flagged this page")
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
        who = user_name(session, winner.flagged_by) if winner else "?"
        raise AlreadyFlagged(f"{who} has already flagged this page") from None
    count_flag(session, project.timezone, task, image)
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
