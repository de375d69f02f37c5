"""Delivery exports keep the delivery profile they were filed and approved with (issue 16, breakit-b16 #4).

delivery_export.profile (JSON, null for exports filed before): what the package holds and how its processed pages
are made, fixed when the export is filed, shown to the custodian who approves it, and used when it starts and
whenever it is resumed, whatever the project's profile says by then.

Revision ID: 5c8e1f7a3b92
Revises: 9d2e6a4c1b57
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c8e1f7a3b92"
down_revision: str | None = "9d2e6a4c1b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("delivery_export", sa.Column("profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_export") as batch:
        batch.drop_column("profile")
