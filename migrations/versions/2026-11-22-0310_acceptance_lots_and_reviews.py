"""Acceptance: lots, frozen manifests, review rounds, sampled pages, front-page field checks; the project's sampling scheme.

Revision ID: b3321988022d
Revises: 2d35a2c2023d
Create Date: 2026-11-22 03:10:29.048234
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "b3321988022d"
down_revision: str | None = "2d35a2c2023d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("applied_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("applied_by", sa.Integer(), nullable=False),
        sa.Column("review_deadline", sa.Date(), nullable=False),
        sa.Column("manifest_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("seed_fixed_by", sa.Integer(), nullable=True),
        sa.Column("seed_fixed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("correction_deadline", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["applied_by"], ["user_account.id"], name=op.f("fk_lot_applied_by_user_account")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_lot_project_id_project")),
        sa.ForeignKeyConstraint(["seed_fixed_by"], ["user_account.id"], name=op.f("fk_lot_seed_fixed_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("project_id", "number", name=op.f("uq_lot_project_id_number")),
    )
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.create_index("ix_lot_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "lot_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_lot_record_lot_id_lot")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_lot_record_record_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_record")),
        sa.UniqueConstraint("record_id", name=op.f("uq_lot_record_record_id")),
    )
    with op.batch_alter_table("lot_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_record_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "review_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("applied_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("applied_by", sa.Integer(), nullable=False),
        sa.Column("review_days", sa.Integer(), nullable=False),
        sa.Column("review_deadline", sa.Date(), nullable=False),
        sa.Column("manifest_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sample_rate", sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column("aql", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("min_pass_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("max_field_error_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("third_b1", sa.Integer(), nullable=False),
        sa.Column("third_b2", sa.Integer(), nullable=False),
        sa.Column("per_third", sa.JSON(), nullable=False),
        sa.Column("acceptance_number", sa.Integer(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("seed_fixed_by", sa.Integer(), nullable=True),
        sa.Column("seed_fixed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("decided_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("sampled", sa.Integer(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("fields_checked", sa.Integer(), nullable=True),
        sa.Column("fields_wrong", sa.Integer(), nullable=True),
        sa.Column("interval_low", sa.Float(), nullable=True),
        sa.Column("interval_high", sa.Float(), nullable=True),
        sa.Column("reviewers", sa.JSON(), nullable=False),
        sa.Column("correction_deadline", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applied_by"], ["user_account.id"], name=op.f("fk_review_round_applied_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_review_round_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_review_round_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["seed_fixed_by"], ["user_account.id"], name=op.f("fk_review_round_seed_fixed_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_round")),
        sa.UniqueConstraint("lot_id", "number", name=op.f("uq_review_round_lot_id_number")),
    )
    op.create_table(
        "lot_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("third", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("image_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_lot_page_image_id_page_image")),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_lot_page_page_id_page")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_lot_page_record_id_record")),
        sa.ForeignKeyConstraint(["round_id"], ["review_round.id"], name=op.f("fk_lot_page_round_id_review_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_page")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_lot_page_round_id_position")),
    )
    with op.batch_alter_table("lot_page", schema=None) as batch_op:
        batch_op.create_index("ix_lot_page_round_record", ["round_id", "record_id"], unique=False)

    op.create_table(
        "record_field_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("name_ok", sa.Boolean(), nullable=False),
        sa.Column("mrn_ok", sa.Boolean(), nullable=False),
        sa.Column("discharge_date_ok", sa.Boolean(), nullable=False),
        sa.Column("diagnosis_ok", sa.Boolean(), nullable=False),
        sa.Column("operation_ok", sa.Boolean(), nullable=False),
        sa.Column("paper_pages", sa.Integer(), nullable=False),
        sa.Column("captured_pages", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_record_field_check_record_id_record")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user_account.id"], name=op.f("fk_record_field_check_reviewer_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["review_round.id"], name=op.f("fk_record_field_check_round_id_review_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_field_check")),
        sa.UniqueConstraint("round_id", "record_id", name=op.f("uq_record_field_check_round_id_record_id")),
    )
    op.create_table(
        "sample_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lot_page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("third", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("defects", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["image_id"], ["page_image.id"], name=op.f("fk_sample_item_image_id_page_image")),
        sa.ForeignKeyConstraint(["lot_page_id"], ["lot_page.id"], name=op.f("fk_sample_item_lot_page_id_lot_page")),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_sample_item_page_id_page")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_sample_item_record_id_record")),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["user_account.id"], name=op.f("fk_sample_item_reviewed_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user_account.id"], name=op.f("fk_sample_item_reviewer_id_user_account")
        ),
        sa.ForeignKeyConstraint(["round_id"], ["review_round.id"], name=op.f("fk_sample_item_round_id_review_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_item")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_sample_item_round_id_position")),
    )
    with op.batch_alter_table("sample_item", schema=None) as batch_op:
        batch_op.create_index("ix_sample_item_round_record", ["round_id", "record_id"], unique=False)

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sampling_scheme", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="flat"
            )
        )
        batch_op.add_column(sa.Column("aql", sa.Numeric(precision=5, scale=2), nullable=False, server_default="2.5"))


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("aql")
        batch_op.drop_column("sampling_scheme")

    with op.batch_alter_table("sample_item", schema=None) as batch_op:
        batch_op.drop_index("ix_sample_item_round_record")

    op.drop_table("sample_item")
    op.drop_table("record_field_check")
    with op.batch_alter_table("lot_page", schema=None) as batch_op:
        batch_op.drop_index("ix_lot_page_round_record")

    op.drop_table("lot_page")
    op.drop_table("review_round")
    with op.batch_alter_table("lot_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_record_lot_id"))

    op.drop_table("lot_record")
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_index("ix_lot_project_status")

    op.drop_table("lot")
