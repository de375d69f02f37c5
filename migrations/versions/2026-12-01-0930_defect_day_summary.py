"""Defects by source: a daily summary per (project, local capture day, operator, station), and its codes.

defect_day holds shots, first shots, first-pass shots, re-shot shots and inspected shots; defect_day_code the
vendor-QC flags and failed acceptance samples per defect code (kind "flag" | "acceptance"). The application
keeps both in the transaction of each write that changes them (app.inspection.tally); the defects screens
read them instead of every shot of the period. Existing rows are counted once here (the backfill), with the
same definitions as app.inspection.recount.

Revision ID: 3f7a9c2d5e18
Revises: 8c4e2b7a1f03
Create Date: 2026-12-01 09:30:00
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "3f7a9c2d5e18"
down_revision: str | None = "8c4e2b7a1f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("project_id", "capture_date", "operator_id", "station_id")
COUNTS = ("shots", "first_shots", "first_pass", "reshot", "inspected")
_CHUNK = 5000


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _backfill(bind: sa.Connection) -> None:
    """Count the shots, inspection verdicts, re-shoot tasks and failed samples that exist already."""
    zones = {pid: ZoneInfo(tz) for pid, tz in bind.execute(sa.text("SELECT id, timezone FROM project")).all()}
    days: dict[tuple, date] = {}

    def day_of(project_id: int, at: object) -> date:
        minute = _as_datetime(at).replace(second=0, microsecond=0, tzinfo=UTC)
        key = (project_id, minute)
        if key not in days:
            days[key] = minute.astimezone(zones[project_id]).date()
        return days[key]

    figures: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    codes: dict[tuple, int] = defaultdict(int)
    flagged = {
        image_id
        for (image_id,) in bind.execute(sa.text("SELECT image_id FROM reshoot_task WHERE status <> 'cancelled'"))
    }  # few; a withdrawn flag counts for nothing
    shots = bind.execute(
        sa.text(
            "SELECT p.project_id, i.captured_at, i.operator_id, i.station_id, i.supersedes_id IS NULL, "
            "i.superseded_at IS NOT NULL, i.qc_passed, i.id "
            "FROM page_image i JOIN page p ON p.id = i.page_id"
        ).execution_options(stream_results=True, yield_per=20_000)  # on the statement: the connection stays as is
    )
    for pid, at, operator_id, station_id, first, superseded, passed, image_id in shots:
        f = figures[(pid, day_of(pid, at), operator_id, station_id)]
        f[0] += 1
        f[1] += int(bool(first))
        f[2] += int(bool(first and not superseded and passed and image_id not in flagged))
        f[3] += int(bool(superseded))
    for pid, day, operator_id, station_id, n in bind.execute(
        sa.text(
            "SELECT project_id, capture_date, operator_id, station_id, count(*) FROM inspection_item "
            "WHERE verdict IS NOT NULL GROUP BY project_id, capture_date, operator_id, station_id"
        )
    ):
        figures[(pid, _as_date(day), operator_id, station_id)][4] += n
    for pid, at, operator_id, station_id, reason, item_id in bind.execute(
        sa.text(
            "SELECT t.project_id, i.captured_at, t.operator_id, t.station_id, t.reason, t.item_id "
            "FROM reshoot_task t JOIN page_image i ON i.id = t.image_id WHERE t.status <> 'cancelled'"
        )
    ):
        codes[(pid, day_of(pid, at), operator_id, station_id, "flag", reason)] += 1
        if item_id is None:  # a flag outside the queue inspected the shot too
            figures[(pid, day_of(pid, at), operator_id, station_id)][4] += 1
    samples = sa.text(
        "SELECT p.project_id, i.captured_at, i.operator_id, i.station_id, s.defects FROM sample_item s "
        "JOIN page_image i ON i.id = s.image_id JOIN page p ON p.id = i.page_id WHERE s.verdict = 'fail'"
    )
    for pid, at, operator_id, station_id, defects in bind.execute(samples):
        if isinstance(defects, str):  # SQLite hands JSON back as text, PostgreSQL as a list
            defects = json.loads(defects)
        for code in defects or []:
            codes[(pid, day_of(pid, at), operator_id, station_id, "acceptance", code)] += 1
    day_table = sa.table("defect_day", *(sa.column(c) for c in (*KEY, *COUNTS)))
    code_table = sa.table("defect_day_code", *(sa.column(c) for c in (*KEY, "kind", "code", "n")))
    day_rows = [dict(zip((*KEY, *COUNTS), (*k, *v), strict=True)) for k, v in figures.items()]
    code_rows = [dict(zip((*KEY, "kind", "code", "n"), (*k, n), strict=True)) for k, n in codes.items() if n]
    for table, rows in ((day_table, day_rows), (code_table, code_rows)):
        for start in range(0, len(rows), _CHUNK):
            op.bulk_insert(table, rows[start : start + _CHUNK])


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("capture_date", sa.Date(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "defect_day",
        *_key_columns(),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_defect_day_project_id_project")),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_defect_day")),
    )
    op.create_table(
        "defect_day_code",
        *_key_columns(),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_defect_day_code_project_id_project")),
        sa.PrimaryKeyConstraint(*KEY, "kind", "code", name=op.f("pk_defect_day_code")),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("defect_day_code")
    op.drop_table("defect_day")
