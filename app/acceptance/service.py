"""Lots: applying for acceptance, freezing the manifest, fixing the seed and drawing, deciding, correcting.

The review itself (verdicts, field checks, figures) is in `app.acceptance.review`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, exists, func, insert, literal, text, update
from sqlmodel import Session, col, select

from app.acceptance.exceptions import (
    BadSeed,
    LotNotFound,
    LotStateError,
    NothingToAccept,
    RecordsNotReady,
    ReviewDeadlinePassed,
)
from app.acceptance.models import Lot, LotKind, LotPage, LotRecord, LotStatus, ReviewRound, SampleItem
from app.acceptance.plans import LotPlan, lot_plan
from app.acceptance.rules import (
    correction_deadline,
    deemed_accepted,
    deemed_accepted_on,
    next_application_due,
    plan_sample,
    review_deadline,
    split_thirds,
)
from app.acceptance.sampling import draw, manifest_hash
from app.audit.service import record_event
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record, RecordStatus

SEED_MAX = 200
_CHUNK = 500


@dataclass(frozen=True)
class Actor:
    """Who acts, for the audit trail."""

    user_id: int
    role: str
    source_ip: str | None = None

    def audit(self) -> dict:
        """The actor fields of an audit event."""
        return {"actor_user_id": self.user_id, "actor_role": self.role, "source_ip": self.source_ip}


# --- reading ---------------------------------------------------------------------------------


def get_lot(session: Session, project_id: int, lot_id: int) -> Lot:
    """The lot of this project, or a 404 (another project's lot is not found)."""
    lot = session.get(Lot, lot_id)
    if lot is None or lot.project_id != project_id:
        raise LotNotFound(f"lot {lot_id} does not exist")
    return lot


def lot_by_number(session: Session, project_id: int, number: int) -> Lot:
    """The lot with this number in the project, or a 404."""
    lot = session.exec(select(Lot).where(Lot.project_id == project_id, Lot.number == number)).first()
    if lot is None:
        raise LotNotFound(f"lot {number} does not exist")
    return lot


def list_lots(session: Session, project_id: int) -> list[Lot]:
    """The project's lots, newest first."""
    return list(session.exec(select(Lot).where(Lot.project_id == project_id).order_by(col(Lot.number).desc())).all())


def rounds_of(session: Session, lot: Lot) -> list[ReviewRound]:
    """A lot's review rounds, first to last."""
    return list(session.exec(select(ReviewRound).where(ReviewRound.lot_id == lot.id).order_by(ReviewRound.number)))


def current_round(session: Session, lot: Lot) -> ReviewRound:
    """The lot's latest review round."""
    rnd = session.exec(
        select(ReviewRound).where(ReviewRound.lot_id == lot.id, ReviewRound.number == lot.round_number)
    ).one()
    return rnd


def get_round(session: Session, lot: Lot, number: int) -> ReviewRound:
    """Round `number` of the lot, or a 404."""
    rnd = session.exec(select(ReviewRound).where(ReviewRound.lot_id == lot.id, ReviewRound.number == number)).first()
    if rnd is None:
        raise LotNotFound(f"lot {lot.number} has no round {number}")
    return rnd


def is_deemed_accepted(lot: Lot, today: date) -> bool:
    """Whether an undecided lot counts as accepted because its review deadline has passed."""
    if lot.status not in (LotStatus.applied, LotStatus.in_review):
        return False
    return deemed_accepted(lot.applied_on, None, today, (lot.review_deadline - lot.applied_on).days)


def effective_status(lot: Lot, today: date) -> str:
    """The lot's status as of `today`: an undecided lot past its review deadline reads as deemed accepted."""
    return LotStatus.deemed_accepted if is_deemed_accepted(lot, today) else lot.status


def accepted_since(lot: Lot, today: date) -> date | None:
    """The day the lot became accepted (by decision, or deemed the day after its deadline), else None."""
    if lot.status == LotStatus.accepted:
        return lot.accepted_on
    if is_deemed_accepted(lot, today):
        return deemed_accepted_on(lot.applied_on, (lot.review_deadline - lot.applied_on).days)
    return None


def _local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def _unlotted_records(project: Project, cutoff: datetime | None):  # noqa: ANN202  (a select)
    """Finished records not yet in any lot, every live page with a passing current image, finished before cutoff."""
    bad_page = exists().where(
        Page.record_id == Record.id,
        col(Page.deleted_at).is_(None),
        (col(Page.qc_passed).is_(False)) | (col(Page.current_image_id).is_(None)),
    )
    any_page = exists().where(Page.record_id == Record.id, col(Page.deleted_at).is_(None))
    in_lot = exists().where(LotRecord.record_id == Record.id)
    conditions = [
        Record.project_id == project.id,
        Record.status == RecordStatus.finished,
        ~in_lot,
        any_page,
        ~bad_page,
    ]
    if cutoff is not None:
        conditions.append(col(Record.finished_at) < cutoff)
    return select(Record.id).where(and_(*conditions))


@dataclass(frozen=True)
class Candidates:
    """What an application for a period would take in, and what it would leave out."""

    period_start: date
    period_end: date
    records: int
    pages: int
    held_back: int  # finished records left out because a current page failed QC or has no image


def default_period_start(session: Session, project: Project) -> date:
    """The day after the last regular lot's period, or the project's start."""
    last = session.exec(
        select(func.max(Lot.period_end)).where(Lot.project_id == project.id, Lot.kind == LotKind.regular)
    ).one()
    return last + timedelta(days=1) if last else project.start_date


def application_due(session: Session, project: Project) -> date:
    """The day the next regular application falls due: the end of the current acceptance cycle."""
    return next_application_due(default_period_start(session, project), project.acceptance_cycle_months)


def candidates(session: Session, project: Project, period_end: date | None, *, today: date) -> Candidates:
    """Count what a lot applied for now would hold (period_end None: everything finished so far)."""
    cutoff = _local_midnight_utc(period_end + timedelta(days=1), project.timezone) if period_end else None
    ids = _unlotted_records(project, cutoff).subquery()
    records = session.exec(select(func.count()).select_from(ids)).one()
    pages = session.exec(
        select(func.count())
        .select_from(Page)
        .where(col(Page.record_id).in_(select(ids.c.id)), col(Page.deleted_at).is_(None))
    ).one()
    finished_conditions = [
        Record.project_id == project.id,
        Record.status == RecordStatus.finished,
        ~exists().where(LotRecord.record_id == Record.id),
    ]
    if cutoff is not None:
        finished_conditions.append(col(Record.finished_at) < cutoff)
    finished = session.exec(select(func.count()).select_from(Record).where(*finished_conditions)).one()
    return Candidates(
        period_start=default_period_start(session, project),
        period_end=period_end or today,
        records=records,
        pages=pages,
        held_back=finished - records,
    )


# --- applying --------------------------------------------------------------------------------


def _plan(project: Project, lot_size: int) -> LotPlan:
    return lot_plan(
        project.sampling_scheme,
        lot_size,
        sample_rate=project.sample_rate,
        aql=project.aql,
        min_pass_rate=project.pass_rate,
    )


def _manifest_rows(session: Session, round_id: int):  # noqa: ANN202  (an iterator of (page_id, sha256))
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
    rnd.manifest_hash = manifest_hash(_manifest_rows(session, rnd.id))
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
    cutoff = _local_midnight_utc(period_end + timedelta(days=1), project.timezone)
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
    waiting = _unlotted_records(project, cutoff).subquery()
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
    """MRN/visit of the lot's records that are not finished or have a page without a passing image."""
    bad_page = exists().where(
        Page.record_id == Record.id,
        col(Page.deleted_at).is_(None),
        (col(Page.qc_passed).is_(False)) | (col(Page.current_image_id).is_(None)),
    )
    rows = session.exec(
        select(Record.mrn, Record.visit)
        .join(LotRecord, col(LotRecord.record_id) == col(Record.id))
        .where(LotRecord.lot_id == lot.id, (Record.status != RecordStatus.finished) | bad_page)
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
            "finish these records and re-shoot their failing pages first: " + ", ".join(not_ready[:10]) + more
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


# --- the draw --------------------------------------------------------------------------------


def check_open(lot: Lot, today: date) -> None:
    """Refuse review work on a lot whose review deadline has passed (it is deemed accepted)."""
    if is_deemed_accepted(lot, today):
        raise ReviewDeadlinePassed(
            f"the review deadline of lot {lot.number} was {lot.review_deadline.isoformat()}: "
            "the lot is deemed accepted and can no longer be reviewed"
        )


def round_plan(rnd: ReviewRound):  # noqa: ANN201  (a SamplePlan)
    """The stored plan of a round, as the draw uses it; checked against the stored allocation."""
    plan = plan_sample(rnd.page_count, rnd.sample_size)
    if list(plan.per_third) != list(rnd.per_third) or (plan.thirds.b1, plan.thirds.b2) != (rnd.third_b1, rnd.third_b2):
        raise ValueError(f"round {rnd.id}: the stored allocation does not match the rules")
    return plan


def fix_seed(session: Session, lot: Lot, seed: str, *, actor: Actor, today: date, now: datetime) -> ReviewRound:
    """The hospital fixes the seed of a frozen lot; the sample is drawn from the manifest hash and that seed."""
    seed = seed.strip()
    if not seed or len(seed) > SEED_MAX:
        raise BadSeed(f"the seed must be 1 to {SEED_MAX} characters")
    lock_lot(session, lot)
    if lot.status != LotStatus.applied:
        raise LotStateError(f"the sample of lot {lot.number} is drawn already")
    check_open(lot, today)
    rnd = current_round(session, lot)
    positions = draw(rnd.manifest_hash, seed, round_plan(rnd))
    for start in range(0, len(positions), _CHUNK):
        chunk = positions[start : start + _CHUNK]
        pages = session.exec(select(LotPage).where(LotPage.round_id == rnd.id, col(LotPage.position).in_(chunk))).all()
        session.execute(
            insert(SampleItem),
            [
                {
                    "round_id": rnd.id,
                    "lot_page_id": p.id,
                    "position": p.position,
                    "third": p.third,
                    "page_id": p.page_id,
                    "record_id": p.record_id,
                    "image_id": p.image_id,
                    "defects": [],
                }
                for p in pages
            ],
        )
    rnd.seed, rnd.seed_fixed_by, rnd.seed_fixed_at, rnd.positions = seed, actor.user_id, now, positions
    lot.seed, lot.seed_fixed_by, lot.seed_fixed_at = seed, actor.user_id, now
    lot.status = LotStatus.in_review
    session.add_all([rnd, lot])
    session.flush()
    record_event(
        session,
        "lot.seed",
        project_id=lot.project_id,
        object_type="lot",
        object_id=lot.id,
        detail={"round": rnd.number, "seed": seed, "sample": len(positions), "manifest_hash": rnd.manifest_hash},
        **actor.audit(),
    )
    return rnd


@dataclass(frozen=True)
class Verification:
    """The outcome of re-deriving a round's manifest hash and sample."""

    lot_number: int
    round_number: int
    manifest_hash_ok: bool
    sample_ok: bool
    recomputed_hash: str
    stored_hash: str
    sample_size: int

    @property
    def ok(self) -> bool:
        """Both the manifest and the sample match."""
        return self.manifest_hash_ok and self.sample_ok


def verify_round(session: Session, lot: Lot, rnd: ReviewRound) -> Verification:
    """Recompute the manifest hash from the stored manifest rows and the draw from hash + seed; compare."""
    if rnd.seed is None:
        raise LotStateError(f"round {rnd.number} of lot {lot.number} has no seed yet: nothing was drawn")
    recomputed = manifest_hash(_manifest_rows(session, rnd.id))
    stored_positions = sorted(session.exec(select(SampleItem.position).where(SampleItem.round_id == rnd.id)).all())
    drawn = draw(rnd.manifest_hash, rnd.seed, round_plan(rnd))
    return Verification(
        lot_number=lot.number,
        round_number=rnd.number,
        manifest_hash_ok=recomputed == rnd.manifest_hash,
        sample_ok=drawn == stored_positions == sorted(rnd.positions),
        recomputed_hash=recomputed,
        stored_hash=rnd.manifest_hash,
        sample_size=len(drawn),
    )


def manifest_lines(session: Session, rnd: ReviewRound):  # noqa: ANN201  (an iterator of str)
    """The round's manifest as its canonical text lines "page_id,sha256\\n", in capture order."""
    for page_id, sha in _manifest_rows(session, rnd.id):
        yield f"{page_id},{sha}\n"


def set_correction(lot: Lot, rnd: ReviewRound, project: Project, today: date) -> None:
    """After a rejection: the correction period runs from the decision day."""
    rnd.correction_deadline = correction_deadline(today, project.correction_days)
    lot.correction_deadline = rnd.correction_deadline
    lot.status = LotStatus.correcting


def set_sampling_scheme(
    session: Session, project: Project, *, scheme: str, aql: Decimal | None, actor: Actor | None = None
) -> Project:
    """Choose the project's plan for lots applied from now on: the flat rate, or ISO 2859-1 at an AQL (audited)."""
    from app.acceptance.iso2859 import AQLS
    from app.acceptance.plans import ISO2859, SCHEMES

    if scheme not in SCHEMES:
        raise LotStateError(f"unknown sampling scheme {scheme!r}; use one of {', '.join(SCHEMES)}", code="bad_scheme")
    if scheme == ISO2859 and (aql is None or aql not in AQLS):
        raise LotStateError(f"ISO 2859-1 needs an AQL among {', '.join(str(a) for a in AQLS)}", code="bad_aql")
    before = {"scheme": project.sampling_scheme, "aql": str(project.aql)}
    project.sampling_scheme = scheme
    if aql is not None:
        project.aql = aql
    session.add(project)
    session.flush()
    record_event(
        session,
        "project.sampling",
        project_id=project.id,
        object_type="project",
        object_id=project.id,
        detail={"before": before, "after": {"scheme": scheme, "aql": str(project.aql)}},
        **(actor.audit() if actor else {}),
    )
    return project
