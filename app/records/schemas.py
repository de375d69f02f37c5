"""API shapes of records."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.core.typed import TypedOrNone
from app.inspection.schemas import ReshootTaskPublic


class RecordCreate(BaseModel):
    """Identify a record by MRN + visit, or by its barcode alone."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["mrn", "visit"]}, {"required": ["barcode"]}]}
    )

    mrn: TypedOrNone = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z]{1,32}$", examples=["00123456"])
    visit: StrictInt | None = Field(default=None, ge=1, le=999, examples=[2])
    barcode: TypedOrNone = Field(default=None, max_length=64, examples=["00123456-2"])


class RecordPublic(BaseModel):
    """A record as the station and the UI see it (no patient name: the station does not need it)."""

    id: int
    mrn: str
    visit: int
    barcode: str | None
    status: str
    paper_page_count: int | None
    discharge_date: date | None = None
    # Vendor QC (issue 15): pages flagged for re-shooting, shown first when a station opens the record.
    reshoot_tasks: list[ReshootTaskPublic] = []


class RecordFinish(BaseModel):
    """The number of pages the paper record has, counted by the operator."""

    model_config = ConfigDict(extra="forbid")

    paper_page_count: StrictInt = Field(ge=1, le=100_000)


class CompletenessPublic(BaseModel):
    """Captured pages against the paper: missing and extra page numbers."""

    record_id: int
    status: str
    paper_page_count: int
    captured: int
    complete: bool
    missing: list[int]
    extra: list[int]


class RecordOperationCreate(BaseModel):
    """Delete a wrong shot (later pages move down) or insert a missed page (pages from n move up)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=8, max_length=80, description="client-generated, makes the operation idempotent")
    op: Literal["delete", "insert"]
    page_number: StrictInt = Field(ge=1, le=100_000)


class RecordOperationPublic(BaseModel):
    """The operation as applied, with the record's page numbers after it."""

    record_id: int
    op: str
    page_number: int
    pages: list[int]
