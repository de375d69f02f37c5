"""Vendor QC: inspection rates, the inspection queue, re-shoot tasks and the perceptual hash of each image."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class InspectionRate(SQLModel, table=True):
    """The share of an operator's pages the vendor's QC inspects, from a day on (operator None: project default).

    The rate of a page is the row of its operator (else the project default) with the latest from_date on or
    before the page's capture day: "100 % from Monday, 5 % from Thursday" is two rows."""

    __tablename__ = "inspection_rate"
    __table_args__ = (Index("ix_inspection_rate_lookup", "project_id", "operator_id", "from_date"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    operator_id: int | None = Field(default=None, foreign_key="user_account.id")
    from_date: date
    percent: Decimal = Field(max_digits=5, decimal_places=2)
    set_by: int = Field(foreign_key="user_account.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InspectionVerdict(StrEnum):
    """What an inspector decided about a page image."""

    passed = "pass"
    flagged = "flag"


class InspectionItem(SQLModel, table=True):
    """An image chosen for inspection (by the operator's rate, for QC figures close to a threshold, or because
    it is the re-shoot of a flagged page), who took it and what they found. One item per image."""

    __tablename__ = "inspection_item"
    __table_args__ = (
        UniqueConstraint("image_id"),
        Index("ix_inspection_item_queue", "project_id", "verdict", "inspector_id"),
        Index("ix_inspection_item_day", "project_id", "capture_date", "operator_id"),
        Index("ix_inspection_item_page", "page_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    page_id: int = Field(foreign_key="page.id")
    record_id: int = Field(foreign_key="record.id")
    image_id: int = Field(foreign_key="page_image.id")
    operator_id: int = Field(foreign_key="user_account.id")
    station_id: int = Field(foreign_key="station.id")
    capture_date: date
    why: str = Field(max_length=16)  # rate | near | reshoot | manual
    near: list = Field(default_factory=list, sa_type=JSON)  # metric names close to their threshold
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    inspector_id: int | None = Field(default=None, foreign_key="user_account.id")  # who took it
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verdict: str | None = Field(default=None, max_length=8)
    defect: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=500)
    inspected_by: int | None = Field(default=None, foreign_key="user_account.id")
    inspected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    inspected_on: date | None = None  # the local day of the verdict


class TaskStatus(StrEnum):
    """A re-shoot task is open until the page is re-shot (closed) or the page is withdrawn (cancelled)."""

    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class ReshootTask(SQLModel, table=True):
    """A page the vendor's QC flagged: the operator must re-shoot it (补拍). At most one open task per page."""

    __tablename__ = "reshoot_task"
    __table_args__ = (
        Index(
            "uq_reshoot_task_open_page",
            "page_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_reshoot_task_record_status", "record_id", "status"),
        Index("ix_reshoot_task_project_status", "project_id", "status"),
        Index("ix_reshoot_task_image", "image_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    record_id: int = Field(foreign_key="record.id")
    page_id: int = Field(foreign_key="page.id")
    page_number: int  # at the time of the flag; the page's own number is read from the page
    image_id: int = Field(foreign_key="page_image.id")  # the flagged image
    operator_id: int = Field(foreign_key="user_account.id")  # who made the flagged shot
    station_id: int = Field(foreign_key="station.id")
    reason: str = Field(max_length=32)  # an acceptance defect code
    note: str | None = Field(default=None, max_length=500)
    item_id: int | None = Field(default=None, foreign_key="inspection_item.id")
    flagged_by: int = Field(foreign_key="user_account.id")
    flagged_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=TaskStatus.open, max_length=16)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_image_id: int | None = Field(default=None, foreign_key="page_image.id")


class PageHash(SQLModel, table=True):
    """The perceptual hash of an image's page (computed in the QC pool at ingest), for finding repeated pages."""

    __tablename__ = "page_hash"

    image_id: int = Field(primary_key=True, foreign_key="page_image.id", sa_column_kwargs={"autoincrement": False})
    record_id: int = Field(foreign_key="record.id", index=True)
    phash: str = Field(max_length=128)  # hex
    blank: bool = False


class DefectDay(SQLModel, table=True):
    """The figures of defects by source per project, local capture day, operator and station of the shots.

    Kept in the transaction of every write that changes them (app.inspection.tally: ingest and re-shoot, flag,
    inspection verdict); the defects screens read it instead of every shot. `recount.mismatches` checks it
    against the shots themselves. Definitions: app.inspection.sources."""

    __tablename__ = "defect_day"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    capture_date: date = Field(primary_key=True)
    operator_id: int = Field(primary_key=True)
    station_id: int = Field(primary_key=True)
    shots: int = 0
    first_shots: int = 0
    first_pass: int = 0
    reshot: int = 0
    inspected: int = 0


class DefectDayCode(SQLModel, table=True):
    """Vendor-QC flags (kind "flag") and failed acceptance samples (kind "acceptance") per defect code, on the
    same key as DefectDay (the flagged or sampled shot's day, operator and station)."""

    __tablename__ = "defect_day_code"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    capture_date: date = Field(primary_key=True)
    operator_id: int = Field(primary_key=True)
    station_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    code: str = Field(primary_key=True, max_length=32)
    n: int = 0
