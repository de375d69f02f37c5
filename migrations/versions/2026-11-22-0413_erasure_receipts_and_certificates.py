"""End of project: delivery receipts confirmed by the hospital, and erasure certificates.

Revision ID: c8f9885bf82e
Revises: 8634f6c58cc7
Create Date: 2026-11-22 04:13:00.511168
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "c8f9885bf82e"
down_revision: str | None = "8634f6c58cc7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["user_account.id"], name=op.f("fk_delivery_receipt_confirmed_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["export_id"], ["delivery_export.id"], name=op.f("fk_delivery_receipt_export_id_delivery_export")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_delivery_receipt_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_receipt")),
        sa.UniqueConstraint("export_id", name=op.f("uq_delivery_receipt_export_id")),
    )
    with op.batch_alter_table("delivery_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_receipt_project_id"), ["project_id"], unique=False)

    op.create_table(
        "erasure_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("run_by", sa.Integer(), nullable=False),
        sa.Column("started_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("finished_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("images_erased", sa.Integer(), nullable=False),
        sa.Column("images_shared_kept", sa.Integer(), nullable=False),
        sa.Column("image_list_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("names_erased", sa.Integer(), nullable=False),
        sa.Column("staged_files_erased", sa.Integer(), nullable=False),
        sa.Column("thumbnails_erased", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approval.id"], name=op.f("fk_erasure_certificate_approval_id_approval")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["user_account.id"], name=op.f("fk_erasure_certificate_approved_by_user_account")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_erasure_certificate_project_id_project")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["delivery_receipt.id"], name=op.f("fk_erasure_certificate_receipt_id_delivery_receipt")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user_account.id"], name=op.f("fk_erasure_certificate_requested_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["run_by"], ["user_account.id"], name=op.f("fk_erasure_certificate_run_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_certificate")),
        sa.UniqueConstraint("approval_id", name=op.f("uq_erasure_certificate_approval_id")),
    )
    with op.batch_alter_table("erasure_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_certificate_project_id"), ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("erasure_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_certificate_project_id"))

    op.drop_table("erasure_certificate")
    with op.batch_alter_table("delivery_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_receipt_project_id"))

    op.drop_table("delivery_receipt")
