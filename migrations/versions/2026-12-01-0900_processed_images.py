"""The delivered page: processed copies of master images, and each project's delivery profile (issue 16).

Revision ID: 7c3e9a1f4b62
Revises: 7c4f18a2d6e1
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "7c3e9a1f4b62"
down_revision: str | None = "7c4f18a2d6e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Float(), nullable=True),
        sa.Column("colour_mode", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("bit_depth", sa.Integer(), nullable=False),
        sa.Column("icc", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("needs_look", sa.Boolean(), nullable=False),
        sa.Column("made_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_processed_image_image_id_page_image")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_image")),
        sa.UniqueConstraint("image_id", "fingerprint", name=op.f("uq_processed_image_image_id_fingerprint")),
    )
    with op.batch_alter_table("processed_image", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_image_image_id"), ["image_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_processed_image_sha256"), ["sha256"], unique=False)
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("delivery_profile")
    with op.batch_alter_table("processed_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_image_sha256"))
        batch_op.drop_index(batch_op.f("ix_processed_image_image_id"))
    op.drop_table("processed_image")
