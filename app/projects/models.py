"""A digitization project and its contract terms."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime

# The contract's defaults (DESIGN.md): every one is an editable field of the project.
DEFAULT_BARCODE_PATTERN = r"^(?P<mrn>[0-9A-Za-z]{1,32})[-_/ ](?P<visit>\d{1,3})$"


class Project(SQLModel, table=True):
    """One contract: what is to be captured, by when, at what price and under which acceptance terms."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    client: str = Field(default="", max_length=200)
    vendor: str = Field(default="", max_length=200)
    start_date: date
    end_date: date
    timezone: str = Field(default="Asia/Shanghai", max_length=64)

    target_pages: int = 3_600_000
    daily_quota: int = 3_000
    unit_price: Decimal = Field(default=Decimal("0.077"), max_digits=12, decimal_places=4)
    price_cap: Decimal = Field(default=Decimal("277200.00"), max_digits=14, decimal_places=2)
    acceptance_cycle_months: int = 3
    sample_rate: Decimal = Field(default=Decimal("0.03"), max_digits=6, decimal_places=4)
    pass_rate: Decimal = Field(default=Decimal("0.95"), max_digits=6, decimal_places=4)
    field_error_rate: Decimal = Field(default=Decimal("0.03"), max_digits=6, decimal_places=4)
    # "flat": ceil(sample_rate × N) pages; "iso2859": ISO 2859-1 single sampling, level II, at `aql` percent.
    sampling_scheme: str = Field(default="flat", max_length=16)
    aql: Decimal = Field(default=Decimal("2.5"), max_digits=5, decimal_places=2)
    review_deadline_days: int = 10
    correction_days: int = 10
    payment_term_working_days: int = 60
    late_payment_rate_per_day: Decimal = Field(default=Decimal("0.0005"), max_digits=8, decimal_places=6)
    termination_review_days: int = 3
    termination_payment_days: int = 7

    barcode_pattern: str = Field(default=DEFAULT_BARCODE_PATTERN, max_length=200)
    qc_profile: dict | None = Field(default=None, sa_type=JSON)
    delivery_profile: dict | None = Field(default=None, sa_type=JSON)  # app.projects.delivery_profile; None: defaults
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
