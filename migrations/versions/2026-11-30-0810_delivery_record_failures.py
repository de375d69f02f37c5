"""Delivery never dies for one page: a record whose files cannot be written keeps its reason; the export counts them.

Revision ID: 5d1e7a3c9b20
Revises: 5e1f1ee7a19a
Create Date: 2026-11-30 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5d1e7a3c9b20"
down_revision: str | None = "5e1f1ee7a19a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    with op.batch_alter_table("delivery_export", schema=None) as batch_op:
        batch_op.add_column(sa.Column("records_failed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("delivery_export", schema=None) as batch_op:
        batch_op.drop_column("records_failed")
    with op.batch_alter_table("delivery_record", schema=None) as batch_op:
        batch_op.drop_column("error")
