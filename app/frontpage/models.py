"""Front-page (首页) fields of a record beyond those on the record itself, and how a project imports them.

The patient's name and the discharge date live on `record` (patient_name, discharge_date); the main diagnosis
and the operation, with their codes, live here.
"""

from datetime import datetime

from sqlalchemy import JSON, Index, LargeBinary
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class FrontPage(SQLModel, table=True):
    """The main diagnosis (ICD-10) and the main operation (ICD-9-CM-3) of one record."""

    __tablename__ = "front_page"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    record_id: int = Field(foreign_key="record.id", unique=True)
    diagnosis: str = Field(max_length=200)
    diagnosis_code: str = Field(max_length=20)
    operation: str | None = Field(default=None, max_length=200)
    operation_code: str | None = Field(default=None, max_length=20)
    source: str = Field(default="import", max_length=16)  # import | manual
    import_id: int | None = Field(default=None, foreign_key="front_page_import.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class FrontPageMapping(SQLModel, table=True):
    """Which column of the hospital's export holds which field, saved per project for the next import."""

    __tablename__ = "front_page_mapping"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", unique=True)
    mapping: dict = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class FrontPageUpload(SQLModel, table=True):
    """An uploaded export waiting for its column mapping and check; removed once imported."""

    __tablename__ = "front_page_upload"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    filename: str = Field(max_length=200)
    data: bytes = Field(sa_type=LargeBinary)
    size_bytes: int
    uploaded_by: int = Field(foreign_key="user_account.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FrontPageImport(SQLModel, table=True):
    """One completed import: the file, how many rows, how many records were new or updated."""

    __tablename__ = "front_page_import"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    rows: int
    records_created: int
    records_updated: int
    imported_by: int = Field(foreign_key="user_account.id")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FrontPageReading(SQLModel, table=True):
    """The OCR reading of one record's front-page image (issue 18): one row per image, so no image is read twice.

    status: reading (claimed by a worker; a stale claim is taken over after a crash) | done | unreadable (not an
    image, or nothing legible) | failed (the engine raised; the error says why). fields: field → {value, box,
    score} in the pixels of the straightened image that was read (width × height); lines: every text line read.
    """

    __tablename__ = "front_page_reading"
    __table_args__ = (Index("ix_front_page_reading_alert", "project_id", "current", "wrong_record"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    page_id: int = Field(foreign_key="page.id")
    image_id: int = Field(foreign_key="page_image.id", unique=True)
    status: str = Field(default="reading", max_length=16)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seconds: float | None = None
    width: int | None = None
    height: int | None = None
    fields: dict = Field(default_factory=dict, sa_type=JSON)
    lines: list = Field(default_factory=list, sa_type=JSON)
    error: str | None = Field(default=None, max_length=500)
    # The cross-check against the record (app/frontpage/crosscheck.py), kept current when the record's values
    # change; `current` marks the record's latest finished reading.
    current: bool = False
    outcome: str | None = Field(default=None, max_length=16)
    wrong_record: bool = False
    fields_compared: int = 0
    fields_wrong: int = 0
    # Differences a person confirmed as misreadings (FrontPageConfirmation): how many of the five fields, and
    # whether that closed the reading's every difference (it differed, and no longer counts as open).
    fields_confirmed: int = 0
    closed_by_person: bool = False


class FrontPageConfirmation(SQLModel, table=True):
    """A person's word that a differing field was misread: the page is the record's and its value is right.

    It vouches for the values as they were (recorded, recorded_code, read, read_code: crosscheck.vouched) on one
    reading, and is void (voided_at, void_reason: new_reading | values_changed) once the record's front page is
    read again or the values it vouched for change; the check is then as it is now.
    """

    __tablename__ = "front_page_confirmation"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    reading_id: int = Field(foreign_key="front_page_reading.id", index=True)
    field: str = Field(max_length=20)
    recorded: str  # unbounded: what it vouches for is compared whole
    recorded_code: str = ""
    read: str
    read_code: str = ""
    note: str | None = Field(default=None, max_length=500)
    confirmed_by: int = Field(foreign_key="user_account.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=16)
