"""station status: each capture station's last heartbeat and since when its trouble conditions hold

Revision ID: 5e1f1ee7a19a
Revises: cec2aeb6aab5
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "5e1f1ee7a19a"
down_revision: str | None = "cec2aeb6aab5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("qc_profile", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("outbox_depth", sa.Integer(), nullable=False),
        sa.Column("oldest_item_age_s", sa.Float(), nullable=True),
        sa.Column("disk_free_bytes", sa.BigInteger(), nullable=True),
        sa.Column("last_shot_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("since", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_station_status_project_id_project")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_station_status_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_status")),
        sa.UniqueConstraint("station_id", name=op.f("uq_station_status_station_id")),
    )
    op.create_index(op.f("ix_station_status_project_id"), "station_status", ["project_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_station_status_project_id"), table_name="station_status")
    op.drop_table("station_status")
