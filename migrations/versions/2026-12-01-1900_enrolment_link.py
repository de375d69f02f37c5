"""One-time enrolment links: the owner of a new account chooses its first password (and second factor).

enrolment_link (only the token's SHA-256 is stored) and user_account.enrolment_pending (false for every existing
account: they already have the password they use). Other branches may add migrations after b7f3c2e9a4d1 too:
re-parent this one when merging.

Revision ID: e7a41c2d9f05
Revises: b7f3c2e9a4d1
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.schema

revision: str = "e7a41c2d9f05"
down_revision: str | None = "b7f3c2e9a4d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolment_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.Column("used_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.Column("voided_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["user_account.id"], name=op.f("fk_enrolment_link_issued_by_user_account")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_enrolment_link_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enrolment_link_token_hash")),
    )
    op.create_index(op.f("ix_enrolment_link_user_id"), "enrolment_link", ["user_id"], unique=False)
    op.add_column(
        "user_account", sa.Column("enrolment_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite >= 3.35): a batch copy would DROP TABLE user_account, which every table refers to
    op.drop_column("user_account", "enrolment_pending")
    op.drop_index(op.f("ix_enrolment_link_user_id"), table_name="enrolment_link")
    op.drop_table("enrolment_link")
