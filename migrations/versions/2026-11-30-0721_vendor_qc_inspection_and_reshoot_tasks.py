"""Vendor QC: inspection rates, the inspection queue, re-shoot tasks and page hashes (issue 15).

Revision ID: cec2aeb6aab5
Revises: 5d1e7c2a9b40
Create Date: 2026-11-30 07:21:52.717283
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "cec2aeb6aab5"
down_revision: str | None = "5d1e7c2a9b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["user_account.id"], name=op.f("fk_inspection_rate_operator_id_user_account")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_inspection_rate_project_id_project")),
        sa.ForeignKeyConstraint(["set_by"], ["user_account.id"], name=op.f("fk_inspection_rate_set_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rate")),
    )
    with op.batch_alter_table("inspection_rate", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_rate_lookup", ["project_id", "operator_id", "from_date"], unique=False)

    op.create_table(
        "inspection_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("capture_date", sa.Date(), nullable=False),
        sa.Column("why", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("near", sa.JSON(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("defect", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("inspected_by", sa.Integer(), nullable=True),
        sa.Column("inspected_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_inspection_item_image_id_page_image")),
        sa.ForeignKeyConstraint(
            ["inspected_by"], ["user_account.id"], name=op.f("fk_inspection_item_inspected_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["user_account.id"], name=op.f("fk_inspection_item_inspector_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["user_account.id"], name=op.f("fk_inspection_item_operator_id_user_account")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_inspection_item_page_id_page")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_inspection_item_project_id_project")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_inspection_item_record_id_record")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_inspection_item_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_item")),
        sa.UniqueConstraint("image_id", name=op.f("uq_inspection_item_image_id")),
    )
    with op.batch_alter_table("inspection_item", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_item_day", ["project_id", "capture_date", "operator_id"], unique=False)
        batch_op.create_index("ix_inspection_item_page", ["page_id"], unique=False)
        batch_op.create_index("ix_inspection_item_queue", ["project_id", "verdict", "inspector_id"], unique=False)

    op.create_table(
        "page_hash",
        sa.Column("image_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("phash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("blank", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_page_hash_image_id_page_image")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_page_hash_record_id_record")),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_page_hash")),
    )
    with op.batch_alter_table("page_hash", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_hash_record_id"), ["record_id"], unique=False)

    op.create_table(
        "reshoot_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("flagged_by", sa.Integer(), nullable=False),
        sa.Column("flagged_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("closed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("closed_by_image_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_image_id"], ["page_image.id"], name=op.f("fk_reshoot_task_closed_by_image_id_page_image")
        ),
        sa.ForeignKeyConstraint(
            ["flagged_by"], ["user_account.id"], name=op.f("fk_reshoot_task_flagged_by_user_account")
        ),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_reshoot_task_image_id_page_image")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["inspection_item.id"], name=op.f("fk_reshoot_task_item_id_inspection_item")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["user_account.id"], name=op.f("fk_reshoot_task_operator_id_user_account")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_reshoot_task_page_id_page")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_reshoot_task_project_id_project")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_reshoot_task_record_id_record")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_reshoot_task_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reshoot_task")),
    )
    with op.batch_alter_table("reshoot_task", schema=None) as batch_op:
        batch_op.create_index("ix_reshoot_task_image", ["image_id"], unique=False)
        batch_op.create_index("ix_reshoot_task_project_status", ["project_id", "status"], unique=False)
        batch_op.create_index("ix_reshoot_task_record_status", ["record_id", "status"], unique=False)
        batch_op.create_index(
            "uq_reshoot_task_open_page",
            ["page_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("reshoot_task", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_reshoot_task_open_page",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_reshoot_task_record_status")
        batch_op.drop_index("ix_reshoot_task_project_status")
        batch_op.drop_index("ix_reshoot_task_image")

    op.drop_table("reshoot_task")
    with op.batch_alter_table("page_hash", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_hash_record_id"))

    op.drop_table("page_hash")
    with op.batch_alter_table("inspection_item", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_item_queue")
        batch_op.drop_index("ix_inspection_item_page")
        batch_op.drop_index("ix_inspection_item_day")

    op.drop_table("inspection_item")
    with op.batch_alter_table("inspection_rate", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_rate_lookup")

    op.drop_table("inspection_rate")
