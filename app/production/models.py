"""Production tables: the daily summary kept by the database, and the project's working-day overrides."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class ProductionDay(SQLModel, table=True):
    """Good pages and uploads per project, local day, operator and station.

    Database triggers on `page` keep it in the writing transaction (the migration creates them):
    a page counts as good for its current image's day, operator and station while it passes QC and
    is not withdrawn; an upload counts when a new image becomes a page's current image. Screens
    read this table instead of millions of pages; `service.summary_mismatches` checks it.
    """

    __tablename__ = "production_day"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    capture_date: date = Field(primary_key=True)
    operator_id: int = Field(primary_key=True)
    station_id: int = Field(primary_key=True)
    good_pages: int = 0
    images: int = 0
    failed_images: int = 0
    reshoots: int = 0
    last_captured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkdayOverride(SQLModel, table=True):
    """A project's own word on one day: working or not. It wins over the official calendar, and is
    how a project enters the holiday notice of a year the chinesecalendar data does not cover yet."""

    __tablename__ = "workday_override"
    __table_args__ = (UniqueConstraint("project_id", "calendar_date"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    calendar_date: date
    is_working_day: bool
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
