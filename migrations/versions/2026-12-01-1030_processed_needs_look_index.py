"""Processed copies that need a look, indexed: the vendor QC's count and list read only those.

ix_processed_image_needs_look (image_id, id) holds only the copies whose outline was uncertain (the full frame
was kept), a few in a thousand; the inspection overview's count (app.inspection.looks.count_looks) and the list
of pages that need a look read it instead of the whole processed_image table, which at 3.6 M pages holds a row
per accepted shot.

Revision ID: 9d2e6a4c1b57
Revises: 6b1d0e4f2a37
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d2e6a4c1b57"
down_revision: str | None = "6b1d0e4f2a37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX (no batch mode): SQLite would otherwise copy the whole table.
    op.create_index(
        "ix_processed_image_needs_look",
        "processed_image",
        ["image_id", "id"],
        unique=False,
        sqlite_where=sa.text("needs_look"),
        postgresql_where=sa.text("needs_look"),
    )


def downgrade() -> None:
    op.drop_index("ix_processed_image_needs_look", table_name="processed_image")
