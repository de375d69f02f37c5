"""A person confirms a front-page difference was an OCR misreading (issue 18 follow-up: closing false alarms).

front_page_confirmation: one row per confirmed field of a reading, with the values it vouches for, the note, who
and when; void (voided_at, void_reason) once the page is read again or those values change.
front_page_reading.fields_confirmed / closed_by_person: the stored check counts them (lot figures, the alert).

Revision ID: b7f3c2e9a4d1
Revises: 5c8e1f7a3b92
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.core.schema import UTCDateTime

revision: str = "b7f3c2e9a4d1"
down_revision: str | None = "5c8e1f7a3b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "front_page_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("recorded", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("read", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("read_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=False),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("void_reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["user_account.id"], name=op.f("fk_front_page_confirmation_confirmed_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_front_page_confirmation_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["front_page_reading.id"],
            name=op.f("fk_front_page_confirmation_reading_id_front_page_reading"),
        ),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_front_page_confirmation_record_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_front_page_confirmation")),
    )
    for column in ("project_id", "record_id", "reading_id"):
        op.create_index(op.f(f"ix_front_page_confirmation_{column}"), "front_page_confirmation", [column], unique=False)
    # Readings made before: nothing confirmed (the server defaults fill the existing rows).
    with op.batch_alter_table("front_page_reading") as batch:
        batch.add_column(sa.Column("fields_confirmed", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("closed_by_person", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("front_page_reading") as batch:
        batch.drop_column("closed_by_person")
        batch.drop_column("fields_confirmed")
    for column in ("reading_id", "record_id", "project_id"):
        op.drop_index(op.f(f"ix_front_page_confirmation_{column}"), table_name="front_page_confirmation")
    op.drop_table("front_page_confirmation")
