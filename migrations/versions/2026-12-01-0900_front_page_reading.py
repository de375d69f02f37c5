"""Front-page OCR (issue 18): one reading per front-page image, the state of the resumable reading job.

Revision ID: 7c4f18a2d6e1
Revises: 5d1e7a3c9b20
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.core.schema import UTCDateTime

revision: str = "7c4f18a2d6e1"
down_revision: str | None = "5d1e7a3c9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "front_page_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("wrong_record", sa.Boolean(), nullable=False),
        sa.Column("fields_compared", sa.Integer(), nullable=False),
        sa.Column("fields_wrong", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"], ["page_image.id"], name=op.f("fk_front_page_reading_image_id_page_image")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_front_page_reading_page_id_page")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_front_page_reading_project_id_project")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_front_page_reading_record_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_front_page_reading")),
        sa.UniqueConstraint("image_id", name=op.f("uq_front_page_reading_image_id")),
    )
    op.create_index(op.f("ix_front_page_reading_project_id"), "front_page_reading", ["project_id"], unique=False)
    op.create_index(
        "ix_front_page_reading_alert", "front_page_reading", ["project_id", "current", "wrong_record"], unique=False
    )
    op.create_index(op.f("ix_front_page_reading_record_id"), "front_page_reading", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_front_page_reading_record_id"), table_name="front_page_reading")
    op.drop_index("ix_front_page_reading_alert", table_name="front_page_reading")
    op.drop_index(op.f("ix_front_page_reading_project_id"), table_name="front_page_reading")
    op.drop_table("front_page_reading")
