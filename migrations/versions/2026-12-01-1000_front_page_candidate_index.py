"""The front-page reading job's poll at full scale: the pages that can be a record's front page, indexed.

ix_page_front_candidate (project_id, record_id, page_number, segment, qc_passed, current_image_id, id,
deleted_at) holds only live pages that are page 1 or open a segment (a few per record), with all that the poll
tests and returns: the job's poll (app.frontpage.reading.waiting_query) and its progress read them, and the marked
pages of the same project, from the index alone, instead of every page of the project (SQLite) or of the whole
table (PostgreSQL's hashed subplan). bench/frontpage_poll.py gives the plans and times before and after.

Revision ID: 6b1d0e4f2a37
Revises: 3f7a9c2d5e18
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6b1d0e4f2a37"
down_revision: str | None = "3f7a9c2d5e18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "deleted_at IS NULL AND (page_number = 1 OR segment IS NOT NULL)"


def upgrade() -> None:
    # Plain CREATE INDEX (no batch mode): SQLite would otherwise copy the whole page table.
    op.create_index(
        "ix_page_front_candidate",
        "page",
        ["project_id", "record_id", "page_number", "segment", "qc_passed", "current_image_id", "id", "deleted_at"],
        unique=False,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_page_front_candidate", table_name="page")
