"""Initial schema: projects, users, stations, records, pages, page images, record operations, audit events.

Revision ID: b8cf29ecc847
Revises:
Create Date: 2026-11-22 02:49:39.633420
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "b8cf29ecc847"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_station_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("source_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_event_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("vendor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target_pages", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("price_cap", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("acceptance_cycle_months", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("pass_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("field_error_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("review_deadline_days", sa.Integer(), nullable=False),
        sa.Column("correction_days", sa.Integer(), nullable=False),
        sa.Column("payment_term_working_days", sa.Integer(), nullable=False),
        sa.Column("late_payment_rate_per_day", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("termination_review_days", sa.Integer(), nullable=False),
        sa.Column("termination_payment_days", sa.Integer(), nullable=False),
        sa.Column("barcode_pattern", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("qc_profile", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("code", name=op.f("uq_project_code")),
    )
    op.create_table(
        "record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("barcode", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("patient_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("paper_page_count", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("finished_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_record_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record")),
        sa.UniqueConstraint("project_id", "barcode", name=op.f("uq_record_project_id_barcode")),
        sa.UniqueConstraint("project_id", "mrn", "visit", name=op.f("uq_record_project_id_mrn_visit")),
    )
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index("ix_record_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_station_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_station_token_hash")),
    )
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_project_id"), ["project_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_user_account_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_project_id"), ["project_id"], unique=False)

    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("segment", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("intentionally_blank", sa.Boolean(), nullable=False),
        sa.Column("current_image_id", sa.Integer(), nullable=True),
        sa.Column("image_count", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("capture_date", sa.Date(), nullable=False),
        sa.Column("qc_passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["user_account.id"], name=op.f("fk_page_operator_id_user_account")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_page_project_id_project")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_page_record_id_record")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_page_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
    )
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.create_index("ix_page_project_captured", ["project_id", "captured_at"], unique=False)
        batch_op.create_index(
            "ix_page_project_date_operator", ["project_id", "capture_date", "operator_id"], unique=False
        )
        batch_op.create_index(
            "uq_page_record_live_number",
            ["record_id", "page_number"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.create_table(
        "record_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("pages_after", sa.JSON(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_record_operation_record_id_record")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_record_operation_station_id_station")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_record_operation_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_operation")),
        sa.UniqueConstraint("key", name=op.f("uq_record_operation_key")),
    )
    with op.batch_alter_table("record_operation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_operation_record_id"), ["record_id"], unique=False)

    op.create_table(
        "station_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("ended_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_station_session_station_id_station")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_station_session_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_station_session_token_hash")),
    )
    with op.batch_alter_table("station_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_session_station_id"), ["station_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_station_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "page_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("uploaded_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("qc_passed", sa.Boolean(), nullable=False),
        sa.Column("qc_reasons", sa.JSON(), nullable=False),
        sa.Column("qc_metrics", sa.JSON(), nullable=False),
        sa.Column("superseded_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["user_account.id"], name=op.f("fk_page_image_operator_id_user_account")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_page_image_page_id_page")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_page_image_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_image")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_page_image_idempotency_key")),
    )
    with op.batch_alter_table("page_image", schema=None) as batch_op:
        batch_op.create_index("ix_page_image_operator_captured", ["operator_id", "captured_at"], unique=False)
        batch_op.create_index("ix_page_image_page", ["page_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_image_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_image_sha256"))
        batch_op.drop_index("ix_page_image_page")
        batch_op.drop_index("ix_page_image_operator_captured")

    op.drop_table("page_image")
    with op.batch_alter_table("station_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_station_session_station_id"))

    op.drop_table("station_session")
    with op.batch_alter_table("record_operation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_operation_record_id"))

    op.drop_table("record_operation")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_page_record_live_number",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index("ix_page_project_date_operator")
        batch_op.drop_index("ix_page_project_captured")

    op.drop_table("page")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_project_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_project_id"))

    op.drop_table("station")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index("ix_record_project_status")

    op.drop_table("record")
    op.drop_table("project")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_project_id"))
        batch_op.drop_index("ix_audit_event_object")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
