"""The draw: fixing a round's seed and drawing its sample, and re-checking both from the stored manifest."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.acceptance.applying import lock_lot, manifest_rows
from app.acceptance.exceptions import (
    BadSeed,
    LotStateError,
    ReviewDeadlinePassed,
)
from app.acceptance.models import Lot, LotPage, LotStatus, ReviewRound, SampleItem
from app.acceptance.rules import (
    plan_sample,
)
from app.acceptance.sampling import draw, manifest_hash
from app.acceptance.service import Actor, current_round, is_deemed_accepted
from app.audit.service import record_event

SEED_MAX = 200
_CHUNK = 500

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
    recomputed = manifest_hash(manifest_rows(session, rnd.id))
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
    for page_id, sha in manifest_rows(session, rnd.id):
        yield f"{page_id},{sha}\n"
