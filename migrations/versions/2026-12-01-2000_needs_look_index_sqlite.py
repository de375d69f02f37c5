"""The needs-look index, usable on SQLite too, and led by the settings fingerprint the query asks for.

ix_processed_image_needs_look was made on (image_id, id) WHERE needs_look. SQLite uses a partial index only when
the query's WHERE names the index's predicate as it is written, and SQLAlchemy writes a boolean column there as
`needs_look = 1`: SQLite's planner never used the index and scanned the whole processed_image table (a row per
accepted shot: 3.6 M at the end of a project) for every count and list of pages that need a look. The index is
made again WHERE needs_look = 1 on SQLite (WHERE needs_look on PostgreSQL, the form SQLAlchemy writes there), on
(fingerprint, image_id): app.records.versions.needs_look_query asks for the marked copies of the project's present
settings fingerprint and reads their image ids, so the index alone answers it.

Plain DROP/CREATE INDEX (no batch mode): SQLite would otherwise copy the whole table.

Revision ID: 115dd6961e23
Revises: e7a41c2d9f05
Create Date: 2026-12-01 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "115dd6961e23"
down_revision: str | None = "e7a41c2d9f05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME, TABLE = "ix_processed_image_needs_look", "processed_image"


def _remake(columns: list[str], sqlite_where: str) -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(
        NAME,
        TABLE,
        columns,
        unique=False,
        sqlite_where=sa.text(sqlite_where),
        postgresql_where=sa.text("needs_look"),
    )


def upgrade() -> None:
    _remake(["fingerprint", "image_id"], "needs_look = 1")


def downgrade() -> None:
    _remake(["image_id", "id"], "needs_look")
