"""The audit trail: append-only, each event chained to the one before by its hash."""

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """Who did what, when, from where, to which object, and how it ended. Ids only, no patient data."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    project_id: int | None = Field(default=None, index=True)
    actor_user_id: int | None = None
    actor_station_id: int | None = None
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64, index=True)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=80)
    source_ip: str | None = Field(default=None, max_length=64)
    outcome: str = Field(default="success", max_length=16)
    detail: dict = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    # HMAC-SHA256 of `hash` under the audit key held outside the database (app/audit/keys.py); NULL only for
    # events written before the key existed, until `folio audit rekey` seals them.
    mac: str | None = Field(default=None, max_length=64)
