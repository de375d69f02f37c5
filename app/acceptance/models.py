"""Acceptance: lots, their frozen manifests, review rounds, sampled pages and front-page field checks."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class LotStatus(StrEnum):
    """Where a lot stands; `deemed_accepted` is never stored but read from the dates (service.effective_status)."""

    applied = "applied"  # manifest frozen, waiting for the hospital to fix the seed
    in_review = "in_review"  # sample drawn, reviewers at work
    accepted = "accepted"
    correcting = "correcting"  # rejected: the correction period runs until the vendor re-applies
    deemed_accepted = "deemed_accepted"


class LotKind(StrEnum):
    """A lot of a regular acceptance cycle, or the remainder reviewed on contract termination."""

    regular = "regular"
    termination = "termination"


class Lot(SQLModel, table=True):
    """The work a vendor offered for acceptance: a set of finished records, reviewed in one or more rounds.

    The application, seed and deadline fields describe the current round; every round keeps its own copy."""

    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index("ix_lot_project_status", "project_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    number: int = Field(ge=1)  # 1, 2, 3… within the project
    kind: str = Field(default=LotKind.regular, max_length=16)
    period_start: date
    period_end: date
    status: str = Field(default=LotStatus.applied, max_length=16)
    round_number: int = 1
    applied_at: datetime = Field(sa_type=UTCDateTime)
    applied_on: date
    applied_by: int = Field(foreign_key="user_account.id")
    review_deadline: date
    manifest_hash: str = Field(max_length=64)
    page_count: int
    record_count: int
    seed: str | None = Field(default=None, max_length=200)
    seed_fixed_by: int | None = Field(default=None, foreign_key="user_account.id")
    seed_fixed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_on: date | None = None
    correction_deadline: date | None = None
    accepted_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LotRecord(SQLModel, table=True):
    """A record offered in a lot. A record belongs to one lot only, so no page is ever accepted or billed twice."""

    __tablename__ = "lot_record"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    record_id: int = Field(foreign_key="record.id", unique=True)


class ReviewRound(SQLModel, table=True):
    """One review of a lot: its manifest as frozen at application, the plan, the seed, the sample and the decision."""

    __tablename__ = "review_round"
    __table_args__ = (UniqueConstraint("lot_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id")
    number: int = Field(ge=1)
    applied_at: datetime = Field(sa_type=UTCDateTime)
    applied_on: date
    applied_by: int = Field(foreign_key="user_account.id")
    review_days: int
    review_deadline: date
    manifest_hash: str = Field(max_length=64)
    page_count: int
    record_count: int
    # The plan, fixed at application from the project's terms of that day.
    scheme: str = Field(default="flat", max_length=16)  # flat | iso2859
    sample_rate: Decimal | None = Field(default=None, max_digits=6, decimal_places=4)
    aql: Decimal | None = Field(default=None, max_digits=5, decimal_places=2)
    min_pass_rate: Decimal = Field(max_digits=6, decimal_places=4)
    max_field_error_rate: Decimal = Field(max_digits=6, decimal_places=4)
    sample_size: int
    third_b1: int
    third_b2: int
    per_third: list = Field(default_factory=list, sa_type=JSON)
    acceptance_number: int
    # The draw: fixed by the hospital after the manifest was frozen.
    seed: str | None = Field(default=None, max_length=200)
    seed_fixed_by: int | None = Field(default=None, foreign_key="user_account.id")
    seed_fixed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    positions: list = Field(default_factory=list, sa_type=JSON)
    # The decision.
    decision: str | None = Field(default=None, max_length=16)  # accepted | rejected
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_on: date | None = None
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    sampled: int | None = None
    correct: int | None = None
    fields_checked: int | None = None
    fields_wrong: int | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    reviewers: list = Field(default_factory=list, sa_type=JSON)
    correction_deadline: date | None = None


class LotPage(SQLModel, table=True):
    """A row of a round's frozen manifest: a page and its image digest, at its position in capture order."""

    __tablename__ = "lot_page"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        Index("ix_lot_page_round_record", "round_id", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="review_round.id")
    position: int = Field(ge=0)
    third: int = Field(ge=0, le=2)
    page_id: int = Field(foreign_key="page.id")
    record_id: int = Field(foreign_key="record.id")
    image_id: int = Field(foreign_key="page_image.id")
    image_sha256: str = Field(max_length=64)


class SampleItem(SQLModel, table=True):
    """A sampled page of a round and the reviewer's verdict on it."""

    __tablename__ = "sample_item"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        Index("ix_sample_item_round_record", "round_id", "record_id"),
        Index("ix_sample_item_verdict_image", "verdict", "image_id"),  # failed samples by source (issue 15)
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="review_round.id")
    lot_page_id: int = Field(foreign_key="lot_page.id")
    position: int
    third: int
    page_id: int = Field(foreign_key="page.id")
    record_id: int = Field(foreign_key="record.id")
    image_id: int = Field(foreign_key="page_image.id")
    reviewer_id: int | None = Field(default=None, foreign_key="user_account.id")  # who took it
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verdict: str | None = Field(default=None, max_length=8)  # pass | fail
    defects: list = Field(default_factory=list, sa_type=JSON)
    note: str | None = Field(default=None, max_length=500)
    reviewed_by: int | None = Field(default=None, foreign_key="user_account.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecordFieldCheck(SQLModel, table=True):
    """For a record with sampled pages: its page count against the paper and the five front-page fields."""

    __tablename__ = "record_field_check"
    __table_args__ = (UniqueConstraint("round_id", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="review_round.id")
    record_id: int = Field(foreign_key="record.id")
    name_ok: bool
    mrn_ok: bool
    discharge_date_ok: bool
    diagnosis_ok: bool
    operation_ok: bool
    paper_pages: int = Field(ge=0)
    captured_pages: int = Field(ge=0)
    note: str | None = Field(default=None, max_length=500)
    reviewer_id: int = Field(foreign_key="user_account.id")
    checked_at: datetime = Field(sa_type=UTCDateTime)
