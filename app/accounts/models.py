"""People, capture stations and the operator sessions that bind them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, false
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class ApprovalKind(StrEnum):
    """Operations that need a second person."""

    bulk_export = "bulk_export"
    delivery_package = "delivery_package"
    erasure = "erasure"
    role_change = "role_change"
    contract_terms = "contract_terms"


class Role(StrEnum):
    """What a user does in the project; permissions follow from it."""

    operator = "operator"
    vendor_qc = "vendor_qc"
    vendor_manager = "vendor_manager"
    reviewer = "reviewer"
    custodian = "custodian"
    finance = "finance"
    sysadmin = "sysadmin"
    audit_admin = "audit_admin"


class User(SQLModel, table=True):
    """A person who signs in: an operator at a station or a user of the browser UI."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=32)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None  # the last accepted 30-second step: a code works only once
    language: str = Field(default="zh_CN", max_length=8)
    # How the current role was granted (app/accounts/duties.py): "console" (bootstrap at the server's console),
    # "approved" (by a second authorised person of the role's side, role_granted_by), "pending" (waiting; the
    # account stays disabled), "refused", or "legacy" (granted before the rule existed).
    # Accounts are made only by accounts.service.create_user (checked by a test): the console's grant, unless the
    # browser's request_new_account marks it pending.
    role_grant: str = Field(default="console", max_length=16, sa_column_kwargs={"server_default": "legacy"})
    role_granted_by: int | None = Field(default=None, foreign_key="user_account.id")
    # True until the owner has chosen a password (and, for roles that need it, a second factor) through a one-time
    # enrolment link (app/accounts/enrolment.py); until then the account cannot sign in at any door.
    enrolment_pending: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Station(SQLModel, table=True):
    """A capture PC. Its API token is kept only as a SHA-256 hash."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StationSession(SQLModel, table=True):
    """An operator signed in at a station; uploads carry its token beside the station's."""

    __tablename__ = "station_session"

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A browser sign-in. The cookie holds a random token; the table holds only its hash."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    mfa_passed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source_ip: str | None = Field(default=None, max_length=64)
    # Wrong second-factor codes sent in this half-signed-in session; past the limit the session ends.
    factor_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, kept to throttle by address (per-account counts live on the user)."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    source_ip: str = Field(max_length=64, index=True)
    username: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the second factor; stored as a hash, spent once."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Approval(SQLModel, table=True):
    """A sensitive operation waiting for a second person: it runs only once someone else has approved it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    kind: str = Field(max_length=32)
    payload: dict = Field(default_factory=dict, sa_type=JSON)
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="pending", max_length=16, index=True)
    requested_by: int = Field(foreign_key="user_account.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str = Field(default="", max_length=500)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EnrolmentLink(SQLModel, table=True):
    """A one-time link with which an account's owner chooses the first password: only the token's hash is kept.

    Usable once, before `expires_at`, unless voided (a newer link, the account disabled or refused)."""

    __tablename__ = "enrolment_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    issued_by: int | None = Field(default=None, foreign_key="user_account.id")  # None: at the console
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
