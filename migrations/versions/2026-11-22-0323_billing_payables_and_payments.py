"""Billing: a payable per accepted lot (amount under the cap, frozen terms, invoice) and the payments against it.

Revision ID: 4ae501501844
Revises: 1e410d110110
Create Date: 2026-11-22 03:23:32.513690
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "4ae501501844"
down_revision: str | None = "1e410d110110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("billable_pages", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("exact_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("term_days", sa.Integer(), nullable=False),
        sa.Column("term_unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("late_rate_per_day", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("invoice_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_payable_lot_id_lot")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_payable_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payable")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_payable_lot_id")),
        sa.UniqueConstraint("project_id", "invoice_number", name=op.f("uq_payable_project_id_invoice_number")),
    )
    with op.batch_alter_table("payable", schema=None) as batch_op:
        batch_op.create_index("ix_payable_project_accepted", ["project_id", "accepted_on"], unique=False)

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payable_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("voided_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("voided_by", sa.Integer(), nullable=True),
        sa.Column("void_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["payable_id"], ["payable.id"], name=op.f("fk_payment_payable_id_payable")),
        sa.ForeignKeyConstraint(["recorded_by"], ["user_account.id"], name=op.f("fk_payment_recorded_by_user_account")),
        sa.ForeignKeyConstraint(["voided_by"], ["user_account.id"], name=op.f("fk_payment_voided_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_payable_id"), ["payable_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_payable_id"))

    op.drop_table("payment")
    with op.batch_alter_table("payable", schema=None) as batch_op:
        batch_op.drop_index("ix_payable_project_accepted")

    op.drop_table("payable")
