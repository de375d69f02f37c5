"""Applying for acceptance: a lot of the finished records, its first review round with the frozen manifest and
the plan; termination shortening open reviews; re-applying a rejected lot after its correction."""

from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, exists, func, insert, literal, text, update
from sqlmodel import Session, col, select

from app.acceptance.exceptions import (
    LotStateError,
    NothingToAccept,
    RecordsNotReady,
)
from app.acceptance.models import Lot, LotKind, LotPage, LotRecord, LotStatus, ReviewRound
from app.acceptance.plans import LotPlan, lot_plan
from app.acceptance.rules import (
    review_deadline,
    split_thirds,
)
from app.acceptance.sampling import manifest_hash
from app.acceptance.service import Actor, current_round, default_period_start, local_midnight_utc, unlotted_records
from app.audit.service import record_event
from app.inspection.tasks import open_task_exists
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record, RecordStatus

# --- applying --------------------------------------------------------------------------------


def _plan(project: Project, lot_size: int) -> LotPlan:
    return lot_plan(
        project.sampling_scheme,
        lot_size,
        sample_rate=project.sample_rate,
        aql=project.aql,
        min_pass_rate=project.pass_rate,
    )


def manifest_rows(session: Session, round_id: int):  # noqa: ANN201  (an iterator of (page_id, sha256))
    """A round's manifest rows in capture order, fetched in batches as plain tuples (fast for millions)."""
    result = session.connection().execute(
        text("SELECT page_id, image_sha256 FROM lot_page WHERE round_id = :rid ORDER BY position"),
        {"rid": round_id},
    )
    while batch := result.fetchmany(50_000):
        yield from batch


def _freeze_manifest(session: Session, rnd: ReviewRound, lot: Lot) -> None:
    """Write the round's manifest rows (every live page of the lot's records, capture order) and its hash."""
    position = func.row_number().over(order_by=(col(Page.captured_at), col(Page.id))) - 1
    rows = (
        select(
            literal(rnd.id, Integer),
            position,
            literal(0, Integer),
            Page.id,
            Page.record_id,
            Page.current_image_id,
            PageImage.sha256,
        )
        .join(PageImage, col(PageImage.id) == col(Page.current_image_id))
        .join(LotRecord, col(LotRecord.record_id) == col(Page.record_id))
        .where(LotRecord.lot_id == lot.id, col(Page.deleted_at).is_(None))
    )
    columns = ["round_id", "position", "third", "page_id", "record_id", "image_id", "image_sha256"]
    session.execute(insert(LotPage).from_select(columns, rows))
    size = session.exec(select(func.count()).select_from(LotPage).where(LotPage.round_id == rnd.id)).one()
    thirds = split_thirds(size)
    session.execute(
        update(LotPage)
        .where(col(LotPage.round_id) == rnd.id)
        .values(
            third=case(
                (col(LotPage.position) < thirds.b1, 0),
                (col(LotPage.position) < thirds.b2, 1),
                else_=2,
            )
        )
    )
    rnd.manifest_hash = manifest_hash(manifest_rows(session, rnd.id))
    rnd.page_count = size
    rnd.record_count = session.exec(select(func.count()).select_from(LotRecord).where(LotRecord.lot_id == lot.id)).one()
    plan = _plan_for_round(rnd, size)
    rnd.sample_size = plan.sample.size
    rnd.third_b1, rnd.third_b2 = plan.sample.thirds.b1, plan.sample.thirds.b2
    rnd.per_third = list(plan.sample.per_third)
    rnd.acceptance_number = plan.acceptance_number
    session.add(rnd)
    session.flush()


def _plan_for_round(rnd: ReviewRound, size: int) -> LotPlan:
    return lot_plan(
        rnd.scheme,
        size,
        sample_rate=rnd.sample_rate or 0,  # type: ignore[arg-type]
        aql=rnd.aql or 0,  # type: ignore[arg-type]
        min_pass_rate=rnd.min_pass_rate,
    )


def _new_round(
    lot: Lot, project: Project, number: int, actor: Actor, today: date, now: datetime, *, terminated: bool = False
) -> ReviewRound:
    # After termination every review, a correction's new round included, has the termination deadline.
    short = terminated or lot.kind == LotKind.termination
    days = project.termination_review_days if short else project.review_deadline_days
    return ReviewRound(
        lot_id=lot.id,
        number=number,
        applied_at=now,
        applied_on=today,
        applied_by=actor.user_id,
        review_days=days,
        review_deadline=review_deadline(today, days),
        manifest_hash="0" * 64,
        page_count=0,
        record_count=0,
        scheme=project.sampling_scheme,
        sample_rate=project.sample_rate,
        aql=project.aql,
        min_pass_rate=project.pass_rate,
        max_field_error_rate=project.field_error_rate,
        sample_size=0,
        third_b1=0,
        third_b2=0,
        acceptance_number=0,
    )


def _copy_round_to_lot(lot: Lot, rnd: ReviewRound) -> None:
    lot.round_number = rnd.number
    lot.applied_at, lot.applied_on, lot.applied_by = rnd.applied_at, rnd.applied_on, rnd.applied_by
    lot.review_deadline = rnd.review_deadline
    lot.manifest_hash, lot.page_count, lot.record_count = rnd.manifest_hash, rnd.page_count, rnd.record_count
    lot.seed, lot.seed_fixed_by, lot.seed_fixed_at = rnd.seed, rnd.seed_fixed_by, rnd.seed_fixed_at
    lot.status = LotStatus.applied
    lot.decided_on = None
    lot.correction_deadline = None


def lock_lot(session: Session, lot: Lot) -> Lot:
    """PostgreSQL: hold the lot's row until commit so that no two people move it at once; then re-read its state."""
    session.exec(select(Lot.id).where(Lot.id == lot.id).with_for_update()).one()
    session.refresh(lot)
    return lot


def _lock_project(session: Session, project: Project) -> None:
    # PostgreSQL: one application at a time per project (SQLite writers are serialized already).
    session.exec(select(Project.id).where(Project.id == project.id).with_for_update()).one()


def apply_for_acceptance(
    session: Session,
    project: Project,
    *,
    period_end: date | None,
    kind: str = LotKind.regular,
    actor: Actor,
    today: date,
    now: datetime,
) -> Lot:
    """Freeze a lot: every finished, fully passing record finished by period_end and not yet in a lot.

    A termination lot takes every such record, whatever its date, with the termination review deadline."""
    if kind not in (LotKind.regular, LotKind.termination):
        raise LotStateError(f"unknown kind of lot {kind!r}")
    if kind == LotKind.termination:
        period_end = today
    if period_end is None or period_end > today:
        raise LotStateError("the period must end today or earlier", code="bad_period", status=422)
    _lock_project(session, project)
    start = default_period_start(session, project)
    cutoff = local_midnight_utc(period_end + timedelta(days=1), project.timezone)
    number = (session.exec(select(func.max(Lot.number)).where(Lot.project_id == project.id)).one() or 0) + 1
    lot = Lot(
        project_id=project.id,
        number=number,
        kind=kind,
        period_start=min(start, period_end),
        period_end=period_end,
        applied_at=now,
        applied_on=today,
        applied_by=actor.user_id,
        review_deadline=today,
        manifest_hash="0" * 64,
        page_count=0,
        record_count=0,
    )
    session.add(lot)
    session.flush()
    waiting = unlotted_records(project, cutoff).subquery()
    session.execute(
        insert(LotRecord).from_select(["lot_id", "record_id"], select(literal(lot.id, Integer), waiting.c.id))
    )
    rnd = _new_round(lot, project, 1, actor, today, now)
    session.add(rnd)
    session.flush()
    _freeze_manifest(session, rnd, lot)
    if rnd.page_count == 0:
        raise NothingToAccept("no finished record with every page passing QC is waiting for acceptance")
    _copy_round_to_lot(lot, rnd)
    session.add(lot)
    session.flush()
    shortened = _shorten_open_reviews(session, project, lot) if kind == LotKind.termination else []
    record_event(
        session,
        "lot.apply",
        project_id=project.id,
        object_type="lot",
        object_id=lot.id,
        detail={
            "number": lot.number,
            "kind": kind,
            "period_end": period_end.isoformat(),
            "pages": rnd.page_count,
            "records": rnd.record_count,
            "manifest_hash": rnd.manifest_hash,
            "shortened": shortened,
        },
        **actor.audit(),
    )
    return lot


def _terminated(session: Session, project: Project) -> bool:
    """Whether the contract was terminated: a termination lot exists."""
    return (
        session.exec(select(Lot.id).where(Lot.project_id == project.id, Lot.kind == LotKind.termination)).first()
        is not None
    )


def _shorten_open_reviews(session: Session, project: Project, termination: Lot) -> list[int]:
    """On termination every unaccepted lot under review must be decided by the termination deadline too."""
    deadline = termination.review_deadline
    open_lots = session.exec(
        select(Lot).where(
            Lot.project_id == project.id,
            Lot.id != termination.id,
            col(Lot.status).in_([LotStatus.applied, LotStatus.in_review]),
            col(Lot.review_deadline) > deadline,
        )
    ).all()
    for other in open_lots:
        rnd = current_round(session, other)
        other.review_deadline = rnd.review_deadline = deadline
        rnd.review_days = (deadline - rnd.applied_on).days
        session.add_all([other, rnd])
    session.flush()
    return [other.number for other in open_lots]


def _not_ready_records(session: Session, lot: Lot) -> list[str]:
    """MRN/visit of the lot's records that are not finished, have a page without a passing image, or an open
    re-shoot task."""
    bad_page = exists().where(
        Page.record_id == Record.id,
        col(Page.deleted_at).is_(None),
        (col(Page.qc_passed).is_(False)) | (col(Page.current_image_id).is_(None)),
    )
    rows = session.exec(
        select(Record.mrn, Record.visit)
        .join(LotRecord, col(LotRecord.record_id) == col(Record.id))
        .where(
            LotRecord.lot_id == lot.id,
            (Record.status != RecordStatus.finished) | bad_page | open_task_exists(Record.id),
        )
        .order_by(Record.mrn, Record.visit)
        .limit(11)
    ).all()
    return [f"{mrn}/{visit}" for mrn, visit in rows]


def reapply(session: Session, lot: Lot, project: Project, *, actor: Actor, today: date, now: datetime) -> ReviewRound:
    """After a rejection: freeze the corrected lot's manifest again and open a new review round."""
    lock_lot(session, lot)
    if lot.status != LotStatus.correcting:
        raise LotStateError(f"lot {lot.number} is not in correction; only a rejected lot is applied for again")
    not_ready = _not_ready_records(session, lot)
    if not_ready:
        more = " …" if len(not_ready) > 10 else ""
        raise RecordsNotReady(
            "finish these records and re-shoot their failing pages first: " + ", ".join(not_ready[:10]) + more,
            records=", ".join(not_ready[:10]) + more,
        )
    rnd = _new_round(lot, project, lot.round_number + 1, actor, today, now, terminated=_terminated(session, project))
    session.add(rnd)
    session.flush()
    _freeze_manifest(session, rnd, lot)
    _copy_round_to_lot(lot, rnd)
    session.add(lot)
    session.flush()
    record_event(
        session,
        "lot.reapply",
        project_id=project.id,
        object_type="lot",
        object_id=lot.id,
        detail={"round": rnd.number, "pages": rnd.page_count, "manifest_hash": rnd.manifest_hash},
        **actor.audit(),
    )
    return rnd
