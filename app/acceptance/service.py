"""Lots: the actor of an action, reading lots and rounds, the candidates of the next application, the
correction period and the project's sampling scheme.

Applying is in `app.acceptance.applying`, the draw in `app.acceptance.seeding`, the review (verdicts, field
checks) in `app.acceptance.review` and the decision in `app.acceptance.deciding`."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func
from sqlmodel import Session, col, select

from app.acceptance.exceptions import (
    LotNotFound,
    LotStateError,
)
from app.acceptance.models import Lot, LotKind, LotRecord, LotStatus, ReviewRound
from app.acceptance.rules import (
    correction_deadline,
    deemed_accepted,
    deemed_accepted_on,
    next_application_due,
)
from app.audit.service import record_event
from app.pages.models import Page
from app.projects.models import Project
from app.records.models import Record, RecordStatus


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


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` begins in time zone `tz`."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def unlotted_records(project: Project, cutoff: datetime | None):  # noqa: ANN202  (a select)
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
    cutoff = local_midnight_utc(period_end + timedelta(days=1), project.timezone) if period_end else None
    ids = unlotted_records(project, cutoff).subquery()
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
