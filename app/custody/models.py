"""Custody of the paper: handovers between the records room and the vendor, boxes, shelves, where each record is."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class HandoverKind(StrEnum):
    """Check-out (领取: the records room hands records to the vendor) or return (归还: the vendor hands them back)."""

    checkout = "checkout"
    returned = "return"


class HandoverStatus(StrEnum):
    """A batch is written by the custodian and then confirmed by the vendor's person; it can be cancelled before."""

    pending = "pending"
    confirmed = "confirmed"
    cancelled = "cancelled"


class Condition(StrEnum):
    """The state of a record's paper as both sides saw it at the handover."""

    normal = "normal"
    fragile = "fragile"
    damaged = "damaged"


class CustodyState(StrEnum):
    """Where a record's paper is: in the records room, on its way out (check-out not yet confirmed), or out."""

    inside = "in"
    pending_out = "pending_out"
    out = "out"


class CustodySettings(SQLModel, table=True):
    """A project's custody rules. Without a row, capture is not gated by check-out (the rule is switched on
    for every project created with `folio project create`, and can be switched on or off on the settings page)."""

    __tablename__ = "custody_settings"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", unique=True)
    require_checkout: bool = True
    overdue_days: int = Field(default=14, ge=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class Handover(SQLModel, table=True):
    """One check-out or return batch: who handed over, who received, when, how many records were counted."""

    __table_args__ = (
        UniqueConstraint("project_id", "kind", "number"),
        Index("ix_handover_project_status", "project_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=16)
    number: int = Field(ge=1)
    status: str = Field(default=HandoverStatus.pending, max_length=16)
    handed_over_by: int = Field(foreign_key="user_account.id")
    received_by: int = Field(foreign_key="user_account.id")
    created_by: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    declared_count: int = Field(ge=0)
    item_count: int = Field(ge=0)
    note: str | None = Field(default=None, max_length=500)
    confirmed_by: int | None = Field(default=None, foreign_key="user_account.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HandoverItem(SQLModel, table=True):
    """A record in a handover batch, in scan order, with the condition of its paper."""

    __tablename__ = "handover_item"
    __table_args__ = (
        UniqueConstraint("handover_id", "record_id"),
        Index("ix_handover_item_record", "record_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id")
    record_id: int = Field(foreign_key="record.id")
    position: int = Field(ge=1)
    scanned: str = Field(max_length=64)
    condition: str = Field(default=Condition.normal, max_length=16)
    condition_note: str | None = Field(default=None, max_length=300)
    # The counterpart's confirmation of a fragile or damaged flag (the writer's side confirmed it by writing it).
    condition_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecordCustody(SQLModel, table=True):
    """The current custody of one record's paper (derived from handovers and scans, kept for fast lookups)."""

    __tablename__ = "record_custody"
    __table_args__ = (Index("ix_record_custody_project_state", "project_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    record_id: int = Field(foreign_key="record.id", unique=True)
    state: str = Field(default=CustodyState.inside, max_length=16)
    checkout_id: int | None = Field(default=None, foreign_key="handover.id")
    out_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_id: int | None = Field(default=None, foreign_key="handover.id")
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    box_id: int | None = Field(default=None, foreign_key="box.id", index=True)
    packed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Shelf(SQLModel, table=True):
    """A shelf with a barcode label and a place (room, row, column)."""

    __table_args__ = (UniqueConstraint("project_id", "barcode"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    barcode: str = Field(max_length=64)
    place: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Box(SQLModel, table=True):
    """A box with a barcode label; records are packed into it and it stands on a shelf."""

    __table_args__ = (UniqueConstraint("project_id", "barcode"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    barcode: str = Field(max_length=64)
    shelf_id: int | None = Field(default=None, foreign_key="shelf.id", index=True)
    shelved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustodyMove(SQLModel, table=True):
    """One scanned step: a record packed into a box, or a box placed on a shelf. The history of where paper went."""

    __tablename__ = "custody_move"
    __table_args__ = (
        Index("ix_custody_move_record", "record_id", "id"),
        Index("ix_custody_move_box", "box_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=16)  # pack | shelve
    record_id: int | None = Field(default=None, foreign_key="record.id")
    box_id: int = Field(foreign_key="box.id")
    shelf_id: int | None = Field(default=None, foreign_key="shelf.id")
    user_id: int = Field(foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
