"""Segments and naming of a project's image library, and delivery package exports with their progress."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class NamingScheme(SQLModel, table=True):
    """A project's segment list (in delivery order) and the folder/file naming template of the image library.
    Without a row, the defaults of app.delivery.naming apply."""

    __tablename__ = "naming_scheme"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", unique=True)
    segments: list = Field(default_factory=list, sa_type=JSON)
    template: str = Field(max_length=300)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class ExportStatus(StrEnum):
    """awaiting_approval → queued → running → done; failed or interrupted jobs can be resumed."""

    awaiting_approval = "awaiting_approval"
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class DeliveryExport(SQLModel, table=True):
    """One delivery package: its folder, the naming it uses (fixed at start), and how far the writing has got."""

    __tablename__ = "delivery_export"
    __table_args__ = (Index("ix_delivery_export_project", "project_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    status: str = Field(default=ExportStatus.awaiting_approval, max_length=20)
    target: str = Field(max_length=500)
    approval_id: int | None = None  # the approval (app.accounts.approvals) that allowed the export
    requested_by: int | None = Field(default=None, foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    segments: list = Field(default_factory=list, sa_type=JSON)
    template: str = Field(default="", max_length=300)
    record_count: int = 0
    page_count: int = 0
    records_done: int = 0
    records_failed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # see DeliveryRecord.error
    pages_done: int = 0
    bytes_done: int = 0
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    worker: str | None = Field(default=None, max_length=80)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=2000)
    payload_sha256: str | None = Field(default=None, max_length=64)  # hash of manifest-sha256.txt when done
    # The delivery profile as the export was filed and approved (issue 16): what the package holds, whatever the
    # project's profile says later. None for exports filed before it was kept: the project's present profile.
    profile: dict | None = Field(default=None, sa_type=JSON)


class DeliveryRecord(SQLModel, table=True):
    """A record in an export, fixed at start: done once its images and PDF are on disk (fsynced)."""

    __tablename__ = "delivery_record"
    __table_args__ = (
        UniqueConstraint("export_id", "record_id"),
        Index("ix_delivery_record_export_done", "export_id", "done"),
    )

    id: int | None = Field(default=None, primary_key=True)
    export_id: int = Field(foreign_key="delivery_export.id")
    record_id: int = Field(foreign_key="record.id")
    round_id: int = Field(foreign_key="review_round.id")
    pages: int
    done: bool = False
    pdf_sha256: str | None = Field(default=None, max_length=64)
    pdf_bytes: int | None = None
    image_bytes: int | None = None
    # Each payload file written for the record: [path under data/, sha256, bytes, page number or null, segment].
    files: list | None = Field(default=None, sa_type=JSON)
    # Why the record's files could not be written (missing or altered image, PDF not buildable): the record is
    # left out of the package, listed for the manager, and written when the export's failed records are re-run.
    error: str | None = Field(default=None, max_length=500)
