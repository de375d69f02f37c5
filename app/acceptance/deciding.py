"""Figures and the decision: a round's progress, its counts and confidence intervals, the OC table, and deciding
the lot (accept, or reject into correction) once every sampled page and record is judged."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.acceptance.applying import lock_lot
from app.acceptance.exceptions import ReviewIncomplete
from app.acceptance.models import Lot, LotStatus, RecordFieldCheck, ReviewRound, SampleItem
from app.acceptance.plans import ISO2859, OC_RATES
from app.acceptance.review import FIELD_COLUMNS, lot_in_review, sampled_records
from app.acceptance.rules import Decision, decide, decide_by_count
from app.acceptance.service import Actor, current_round, set_correction
from app.acceptance.stats import Interval, clopper_pearson, operating_characteristic
from app.audit.service import record_event
from app.projects.models import Project


@dataclass(frozen=True)
class Progress:
    """How far a round's review has come."""

    items: int
    judged: int
    failed: int
    records: int
    checked: int
    per_third_judged: tuple[int, int, int]

    @property
    def complete(self) -> bool:
        """Every sampled page judged and every sampled record checked."""
        return self.items > 0 and self.judged == self.items and self.checked == self.records

    @property
    def percent(self) -> int:
        """Share of the work done, pages and records together, in whole percent."""
        total = self.items + self.records
        return round(100 * (self.judged + self.checked) / total) if total else 0


def progress(session: Session, rnd: ReviewRound) -> Progress:
    """Counts of the round's review so far."""
    rows = session.exec(
        select(SampleItem.third, SampleItem.verdict, func.count())
        .where(SampleItem.round_id == rnd.id)
        .group_by(col(SampleItem.third), col(SampleItem.verdict))
    ).all()
    items = sum(n for _, _, n in rows)
    judged = [0, 0, 0]
    failed = 0
    for third, verdict, n in rows:
        if verdict is not None:
            judged[third] += n
        if verdict == "fail":
            failed += n
    checked = session.exec(
        select(func.count()).select_from(RecordFieldCheck).where(RecordFieldCheck.round_id == rnd.id)
    ).one()
    return Progress(
        items=items,
        judged=sum(judged),
        failed=failed,
        records=len(sampled_records(session, rnd)),
        checked=checked,
        per_third_judged=(judged[0], judged[1], judged[2]),
    )


@dataclass(frozen=True)
class Figures:
    """A complete round's figures: the decision, the error rate's interval and the plan's operating characteristic."""

    decision: Decision
    interval: Interval
    oc: list[tuple[float, float]]  # (true error rate, chance of passing)
    acceptance_number: int


def field_counts(session: Session, rnd: ReviewRound) -> tuple[int, int]:
    """(fields checked, fields wrong) over the round's record checks: five fields per checked record."""
    checks = session.exec(select(RecordFieldCheck).where(RecordFieldCheck.round_id == rnd.id)).all()
    wrong = sum(1 for c in checks for name in FIELD_COLUMNS if not getattr(c, name))
    return len(FIELD_COLUMNS) * len(checks), wrong


def operating_table(rnd: ReviewRound) -> list[tuple[float, float]]:
    """The plan's chance of passing a lot of this size at true error rates of 1 … 10 %."""
    if rnd.sample_size == 0:
        return []
    return [
        (float(rate), p)
        for rate, p in operating_characteristic(rnd.page_count, rnd.sample_size, rnd.acceptance_number, OC_RATES)
    ]


def figures(session: Session, rnd: ReviewRound) -> Figures | None:
    """The figures a decision would take now, or None while the review is incomplete."""
    done = progress(session, rnd)
    if not done.complete:
        return None
    sampled, correct = done.items, done.items - done.failed
    checked, wrong = field_counts(session, rnd)
    if rnd.scheme == ISO2859:
        decision = decide_by_count(sampled, correct, checked, wrong, rnd.acceptance_number, rnd.max_field_error_rate)
    else:
        decision = decide(sampled, correct, checked, wrong, rnd.min_pass_rate, rnd.max_field_error_rate)
    return Figures(
        decision=decision,
        interval=clopper_pearson(sampled - correct, sampled),
        oc=operating_table(rnd),
        acceptance_number=rnd.acceptance_number,
    )


def reviewers_of(session: Session, rnd: ReviewRound) -> list[int]:
    """Every user who judged a page or checked a record in the round."""
    judged = session.exec(
        select(SampleItem.reviewed_by).where(SampleItem.round_id == rnd.id, col(SampleItem.reviewed_by).is_not(None))
    ).all()
    checked = session.exec(select(RecordFieldCheck.reviewer_id).where(RecordFieldCheck.round_id == rnd.id)).all()
    return sorted({u for u in [*judged, *checked] if u is not None})


def decide_lot(
    session: Session, lot: Lot, project: Project, *, actor: Actor, today: date, now: datetime
) -> ReviewRound:
    """Close the round: accept when both thresholds are met, else reject and start the correction period."""
    lock_lot(session, lot)
    rnd = current_round(session, lot)
    lot_in_review(session, lot, rnd, today)
    result = figures(session, rnd)
    if result is None:
        done = progress(session, rnd)
        raise ReviewIncomplete(
            f"the review is not finished: {done.items - done.judged} sampled pages and "
            f"{done.records - done.checked} records still to check"
        )
    d = result.decision
    rnd.decision = "accepted" if d.accepted else "rejected"
    rnd.decided_at, rnd.decided_on, rnd.decided_by = now, today, actor.user_id
    rnd.sampled, rnd.correct = d.sampled, d.correct
    rnd.fields_checked, rnd.fields_wrong = d.fields_checked, d.fields_wrong
    rnd.interval_low, rnd.interval_high = result.interval.low, result.interval.high
    rnd.reviewers = reviewers_of(session, rnd)
    lot.decided_on = today
    if d.accepted:
        lot.status = LotStatus.accepted
        lot.accepted_on = today
    else:
        set_correction(lot, rnd, project, today)
    session.add_all([rnd, lot])
    session.flush()
    record_event(
        session,
        "lot.decide",
        project_id=lot.project_id,
        object_type="lot",
        object_id=lot.id,
        detail={
            "round": rnd.number,
            "decision": rnd.decision,
            "sampled": d.sampled,
            "correct": d.correct,
            "fields_checked": d.fields_checked,
            "fields_wrong": d.fields_wrong,
        },
        **actor.audit(),
    )
    return rnd
