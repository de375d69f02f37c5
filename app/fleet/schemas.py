"""The heartbeat a capture station sends every 60 s while it runs."""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class Heartbeat(BaseModel):
    """A station's state: software and QC profile, who is signed in, the upload queue, disk, last shot, source."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)  # false is not a number of bytes

    version: str = Field(min_length=1, max_length=40)
    qc_profile: str | None = Field(default=None, max_length=64, description="profile fingerprint in use")
    operator: str | None = Field(default=None, max_length=64)
    outbox_depth: int = Field(default=0, ge=0, le=10_000_000)
    oldest_item_age_s: float | None = Field(default=None, ge=0, le=1e9)
    disk_free_bytes: int | None = Field(default=None, ge=0, le=10**18)
    last_shot_at: datetime | None = Field(default=None, description="UTC, or with its offset")
    source: str = Field(default="ok", pattern=r"^[a-z_]{1,32}$", description="'ok' or a problem code")

    @field_validator("last_shot_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except (OverflowError, ValueError):  # e.g. 9999-12-31T23:59:59-12:00 has no UTC time
            raise ValueError("last_shot_at must lie between 2000 and 2100") from None
        if not EARLIEST <= value <= LATEST:
            raise ValueError("last_shot_at must lie between 2000 and 2100")
        return value


class HeartbeatAccepted(BaseModel):
    """The server's answer: when to send the next heartbeat."""

    next_in_s: int
