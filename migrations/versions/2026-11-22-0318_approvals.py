"""Approvals: sensitive operations requested by one person and approved by another.

Revision ID: 8d33bccf9c8d
Revises: b3321988022d
Create Date: 2026-11-22 03:18:30.138089
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "8d33bccf9c8d"
down_revision: str | None = "b3321988022d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("used_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["user_account.id"], name=op.f("fk_approval_decided_by_user_account")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_approval_project_id_project")),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user_account.id"], name=op.f("fk_approval_requested_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval")),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_status"))
        batch_op.drop_index(batch_op.f("ix_approval_project_id"))

    op.drop_table("approval")
