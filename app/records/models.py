"""The paper medical record (病案) being digitized."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class RecordStatus(StrEnum):
    """Where a record is in capture."""

    registered = "registered"
    capturing = "capturing"
    finished = "finished"


class Record(SQLModel, table=True):
    """One hospital stay's paper record: MRN (病案号) + visit (住院次数)."""

    __table_args__ = (
        UniqueConstraint("project_id", "mrn", "visit"),
        UniqueConstraint("project_id", "barcode"),
        Index("ix_record_project_status", "project_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    mrn: str = Field(max_length=32)
    visit: int = Field(ge=1)
    barcode: str | None = Field(default=None, max_length=64)
    patient_name: str | None = Field(default=None, max_length=120)
    discharge_date: date | None = None
    paper_page_count: int | None = None
    status: str = Field(default=RecordStatus.registered, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
