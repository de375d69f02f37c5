"""Pages and every image uploaded for them."""

from datetime import date, datetime

from sqlalchemy import JSON, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime

FRONT_CANDIDATE = "deleted_at IS NULL AND (page_number = 1 OR segment IS NOT NULL)"
FRONT_CANDIDATE_COLUMNS = (
    "project_id",
    "record_id",
    "page_number",
    "segment",
    "qc_passed",
    "current_image_id",
    "id",
    "deleted_at",
)


class Page(SQLModel, table=True):
    """A physical page of a record. Its current image, verdict and capture facts are copied here
    from the current PageImage so that production queries over millions of pages read one table."""

    __table_args__ = (
        # One live page per number; withdrawn pages keep their old number as history.
        Index(
            "uq_page_record_live_number",
            "record_id",
            "page_number",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_page_project_date_operator", "project_id", "capture_date", "operator_id"),
        Index("ix_page_project_captured", "project_id", "captured_at"),
        # The pages that can be a record's front page, with what the front-page reading job's poll tests (migration
        # 6b1d0e4f2a37).
        Index(
            "ix_page_front_candidate",
            *FRONT_CANDIDATE_COLUMNS,
            sqlite_where=text(FRONT_CANDIDATE),
            postgresql_where=text(FRONT_CANDIDATE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    record_id: int = Field(foreign_key="record.id")
    page_number: int = Field(ge=1)
    segment: str | None = Field(default=None, max_length=40)
    intentionally_blank: bool = False
    current_image_id: int | None = Field(default=None)
    image_count: int = 1
    operator_id: int = Field(foreign_key="user_account.id")
    station_id: int = Field(foreign_key="station.id")
    captured_at: datetime = Field(sa_type=UTCDateTime)
    capture_date: date
    qc_passed: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PageImage(SQLModel, table=True):
    """One upload. A re-shoot of the same page supersedes the previous image, which is kept."""

    __tablename__ = "page_image"
    __table_args__ = (
        Index("ix_page_image_page", "page_id", "id"),
        # Also covers what the figures of vendor QC read (app.inspection.sources): they need no image row.
        Index(
            "ix_page_image_operator_shots",
            "operator_id",
            "captured_at",
            "station_id",
            "supersedes_id",
            "superseded_at",
            "qc_passed",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="page.id")
    idempotency_key: str = Field(max_length=80, unique=True)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    media_type: str = Field(max_length=32)
    width: int
    height: int
    operator_id: int = Field(foreign_key="user_account.id")
    station_id: int = Field(foreign_key="station.id")
    captured_at: datetime = Field(sa_type=UTCDateTime)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    qc_passed: bool
    qc_reasons: list = Field(default_factory=list, sa_type=JSON)
    qc_metrics: dict = Field(default_factory=dict, sa_type=JSON)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    supersedes_id: int | None = Field(default=None)  # the image this re-shoot replaced


class RecordOperation(SQLModel, table=True):
    """A renumbering asked for by a station (delete a wrong shot, insert a missed page), applied once per key."""

    __tablename__ = "record_operation"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    key: str = Field(max_length=80, unique=True)
    op: str = Field(max_length=16)
    page_number: int
    pages_after: list = Field(default_factory=list, sa_type=JSON)
    station_id: int = Field(foreign_key="station.id")
    user_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedImage(SQLModel, table=True):
    """The delivered copy of a master image (qc.processing): cropped, straightened, resolution written.

    Stored content-addressed beside the master (same store, its own SHA-256) and never replacing it. One per
    (master, settings fingerprint): changed processing settings make a new one, unchanged settings none.
    """

    __tablename__ = "processed_image"
    __table_args__ = (
        UniqueConstraint("image_id", "fingerprint"),
        # the few copies that need a look, for the vendor QC's count and list (app.records.versions.needs_look_query
        # asks for the project's fingerprint among them). SQLite uses a partial index only when the query repeats its
        # predicate word for word: SQLAlchemy writes `needs_look = 1` there, a bare `needs_look` on PostgreSQL
        # (migration 115dd6961e23)
        Index(
            "ix_processed_image_needs_look",
            "fingerprint",
            "image_id",
            sqlite_where=text("needs_look = 1"),
            postgresql_where=text("needs_look"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    image_id: int = Field(foreign_key="page_image.id", index=True)
    fingerprint: str = Field(max_length=16)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    media_type: str = Field(max_length=32)
    width: int
    height: int
    dpi: float | None = None
    colour_mode: str = Field(max_length=8)
    bit_depth: int = 8
    icc: str = Field(max_length=16)
    steps: list = Field(default_factory=list, sa_type=JSON)
    needs_look: bool = False
    made_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
