"""Defects by source at full scale: the shots index also covers what the figures read, and failed samples are found
without reading every sample.

ix_page_image_operator_captured (operator_id, captured_at) becomes ix_page_image_operator_shots, which also holds
station_id, supersedes_id, superseded_at and qc_passed: the per-operator and per-station figures
(app.inspection.sources) read the index alone instead of each image row (bench/production.py: before/after in the
closing note of issue 15). ix_sample_item_verdict_image finds the failed samples of a period directly.

Revision ID: 8c4e2b7a1f03
Revises: 7c3e9a1f4b62
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c4e2b7a1f03"
down_revision: str | None = "7c3e9a1f4b62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHOTS = ["operator_id", "captured_at", "station_id", "supersedes_id", "superseded_at", "qc_passed"]


def upgrade() -> None:
    # Plain CREATE/DROP INDEX (no batch mode): SQLite would otherwise copy the whole page_image table.
    op.create_index("ix_page_image_operator_shots", "page_image", SHOTS, unique=False)
    op.drop_index("ix_page_image_operator_captured", table_name="page_image")
    op.create_index("ix_sample_item_verdict_image", "sample_item", ["verdict", "image_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sample_item_verdict_image", table_name="sample_item")
    op.create_index("ix_page_image_operator_captured", "page_image", ["operator_id", "captured_at"], unique=False)
    op.drop_index("ix_page_image_operator_shots", table_name="page_image")
