"""End of project: the hospital confirms it received the delivery, then an approved erasure leaves a certificate."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class DeliveryReceipt(SQLModel, table=True):
    """The hospital's confirmation that a finished delivery package arrived complete."""

    __tablename__ = "delivery_receipt"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    export_id: int = Field(foreign_key="delivery_export.id", unique=True)
    confirmed_by: int = Field(foreign_key="user_account.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)


class ErasureCertificate(SQLModel, table=True):
    """What an erasure removed and how it was checked; kept (with the audit trail) after everything else is gone."""

    __tablename__ = "erasure_certificate"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    approval_id: int = Field(foreign_key="approval.id", unique=True)
    receipt_id: int = Field(foreign_key="delivery_receipt.id")
    requested_by: int = Field(foreign_key="user_account.id")
    approved_by: int = Field(foreign_key="user_account.id")
    run_by: int = Field(foreign_key="user_account.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    images_erased: int
    images_shared_kept: int  # identical files another project still refers to
    image_list_sha256: str = Field(max_length=64)  # SHA-256 over the sorted erased image hashes, one per line
    names_erased: int
    staged_files_erased: int
    thumbnails_erased: int
    verified: bool  # no erased image is readable and no patient name is left
