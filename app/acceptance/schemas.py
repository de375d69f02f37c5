"""JSON shapes of the acceptance API."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from app.core.typed import typed_value


class LotApply(BaseModel):
    """An application for acceptance."""

    period_end: Annotated[date | None, BeforeValidator(typed_value)] = Field(
        default=None, description="last day of the period (default: today)"
    )
    kind: Literal["regular", "termination"] = "regular"


class SeedFix(BaseModel):
    """The seed the hospital fixes after the manifest is frozen."""

    seed: str = Field(min_length=1, max_length=200)


class Verdict(BaseModel):
    """A reviewer's verdict on a sampled page."""

    verdict: Literal["pass", "fail"]
    defects: list[str] = Field(default_factory=list, max_length=9)
    note: str | None = Field(default=None, max_length=500)


class RecordCheckIn(BaseModel):
    """A sampled record's check: the five front-page fields right (true) or wrong (false), pages on paper."""

    name_ok: bool
    mrn_ok: bool
    discharge_date_ok: bool
    diagnosis_ok: bool
    operation_ok: bool
    paper_pages: int = Field(ge=0, le=100_000)
    note: str | None = Field(default=None, max_length=500)


class RoundPublic(BaseModel):
    """One review round of a lot."""

    number: int
    applied_on: date
    review_deadline: date
    manifest_hash: str
    page_count: int
    record_count: int
    scheme: str
    sample_rate: Decimal | None
    aql: Decimal | None
    sample_size: int
    per_third: list[int]
    acceptance_number: int
    seed: str | None
    seed_fixed_at: datetime | None
    decision: str | None
    decided_on: date | None
    sampled: int | None
    correct: int | None
    fields_checked: int | None
    fields_wrong: int | None
    interval_low: float | None
    interval_high: float | None
    correction_deadline: date | None


class LotPublic(BaseModel):
    """A lot and its status as of today (deemed acceptance is read from the dates)."""

    id: int
    number: int
    kind: str
    period_start: date
    period_end: date
    status: str
    stored_status: str
    round_number: int
    applied_on: date
    review_deadline: date
    manifest_hash: str
    page_count: int
    record_count: int
    seed: str | None
    correction_deadline: date | None
    accepted_on: date | None


class LotDetail(LotPublic):
    """A lot with its rounds."""

    rounds: list[RoundPublic]


class SampleItemPublic(BaseModel):
    """A sampled page and its verdict."""

    id: int
    position: int
    third: int
    page_id: int
    image_id: int
    record_id: int
    mrn: str
    visit: int
    page_number: int
    verdict: str | None
    defects: list[str]
    note: str | None


class FiguresPublic(BaseModel):
    """A round's progress and, once complete, its figures."""

    items: int
    judged: int
    failed: int
    records: int
    checked: int
    complete: bool
    accepted: bool | None = None
    pass_rate: Decimal | None = None
    field_error_rate: Decimal | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    # Pairs [defect rate, probability of acceptance]. Declared as two-number arrays, not tuple[float, float]:
    # a tuple becomes JSON Schema `prefixItems`, which schemathesis (and other OpenAPI tools) reject.
    operating_characteristic: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list
    )


class VerificationPublic(BaseModel):
    """Whether a round's manifest hash and sample are what the stored manifest and seed give."""

    lot: int
    round: int
    ok: bool
    manifest_hash_ok: bool
    sample_ok: bool
    stored_hash: str
    recomputed_hash: str
    sample_size: int
