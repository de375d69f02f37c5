"""Billing: a payable per accepted lot (with its invoice), and the payments received against it.

A payable is the bill issued for a lot, so what it bills is fixed when it is created: pages,
billable pages under the cap, unit price, amount, and the contract's payment term and late rate
of that day. Everything that follows from those — cumulative total, cap remaining, due date,
paid, outstanding, overdue, late-payment charge — is derived when asked (`app.billing.statement`).
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.schema import UTCDateTime


class TermUnit(StrEnum):
    """How a payment term is counted: official working days (regular), calendar days (termination)."""

    working = "working"
    calendar = "calendar"


class Payable(SQLModel, table=True):
    """What the hospital owes for one accepted lot; one per lot, so no page is ever billed twice."""

    __table_args__ = (
        UniqueConstraint("project_id", "invoice_number"),
        Index("ix_payable_project_accepted", "project_id", "accepted_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    lot_id: int = Field(foreign_key="lot.id", unique=True)
    kind: str = Field(max_length=16)  # the lot's kind: regular | termination
    accepted_on: date
    pages: int = Field(ge=0)  # the accepted manifest: one current image per physical page
    billable_pages: int = Field(ge=0)  # fewer than `pages` only once the cap is reached
    unit_price: Decimal = Field(max_digits=12, decimal_places=4)
    exact_amount: Decimal = Field(max_digits=18, decimal_places=4)  # before rounding (or the cap's remainder)
    amount: Decimal = Field(max_digits=14, decimal_places=2)  # billed: rounded once, half-up to 0.01
    term_days: int = Field(ge=0)
    term_unit: str = Field(max_length=16)  # TermUnit
    late_rate_per_day: Decimal = Field(max_digits=8, decimal_places=6)
    invoice_number: str | None = Field(default=None, max_length=40)
    invoice_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Payment(SQLModel, table=True):
    """Money received against a payable. A mistaken entry is voided (kept, with who and why), never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    payable_id: int = Field(foreign_key="payable.id", index=True)
    paid_on: date
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    reference: str = Field(default="", max_length=100)  # bank reference, voucher number
    recorded_by: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_by: int | None = Field(default=None, foreign_key="user_account.id")
    void_reason: str | None = Field(default=None, max_length=200)
