"""What each capture station last reported about itself (one row a station, replaced by each heartbeat)."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import JSON, Field, SQLModel

from app.core.schema import UTCDateTime


class StationStatus(SQLModel, table=True):
    """The station's last heartbeat and since when each of its trouble conditions has held."""

    __tablename__ = "station_status"

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", unique=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    reported_at: datetime = Field(sa_type=UTCDateTime)
    version: str = Field(max_length=40)
    qc_profile: str | None = Field(default=None, max_length=64)
    operator: str | None = Field(default=None, max_length=64)
    outbox_depth: int = 0
    oldest_item_age_s: float | None = None
    disk_free_bytes: int | None = Field(default=None, sa_type=BigInteger)
    last_shot_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: str = Field(default="ok", max_length=32)
    # {condition code: ISO UTC time it was first reported}, for the conditions a heartbeat reports
    since: dict = Field(default_factory=dict, sa_type=JSON)
