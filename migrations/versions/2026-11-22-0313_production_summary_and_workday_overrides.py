"""Production: a daily summary per operator and station kept by triggers on page; workday overrides.

The summary (production_day) lets the screens read a few thousand rows instead of millions of pages.
Triggers on `page` keep it in the same transaction as every write to a page, whatever code path
writes (ingest, a re-shoot, a renumbering that withdraws a page):

- a page counts as one good page for (project, capture_date, operator, station) of its current image
  while it passes QC and is not withdrawn;
- when a new image becomes a page's current image, that upload is counted for the same key, as failed
  when it failed QC and as a re-shoot when the page already had a current image.

Existing pages and images are counted once here (the backfill).

Revision ID: 1e410d110110
Revises: 8d33bccf9c8d
Create Date: 2026-11-22 03:13:13.216959
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.schema

revision: str = "1e410d110110"
down_revision: str | None = "8d33bccf9c8d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "project_id, capture_date, operator_id, station_id"

SQLITE_UPSERT = f"""
  INSERT INTO production_day ({KEY}, good_pages, images, failed_images, reshoots, last_captured_at)
  SELECT NEW.project_id, NEW.capture_date, NEW.operator_id, NEW.station_id,
         (NEW.qc_passed AND NEW.deleted_at IS NULL),
         ({{new_image}}),
         ({{new_image}}) AND NOT NEW.qc_passed,
         ({{new_image}}) AND {{had_image}},
         CASE WHEN ({{new_image}}) THEN NEW.captured_at END
  WHERE (NEW.qc_passed AND NEW.deleted_at IS NULL) OR ({{new_image}})
  ON CONFLICT ({KEY}) DO UPDATE SET
    good_pages = good_pages + excluded.good_pages,
    images = images + excluded.images,
    failed_images = failed_images + excluded.failed_images,
    reshoots = reshoots + excluded.reshoots,
    last_captured_at = CASE
      WHEN excluded.last_captured_at IS NULL THEN last_captured_at
      WHEN last_captured_at IS NULL OR excluded.last_captured_at > last_captured_at THEN excluded.last_captured_at
      ELSE last_captured_at END;
"""

SQLITE_UNCOUNT_OLD = """
  UPDATE production_day SET good_pages = good_pages - 1
  WHERE OLD.qc_passed AND OLD.deleted_at IS NULL
    AND project_id = OLD.project_id AND capture_date = OLD.capture_date
    AND operator_id = OLD.operator_id AND station_id = OLD.station_id;
"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER trg_page_production_insert AFTER INSERT ON page BEGIN"
    + SQLITE_UPSERT.format(new_image="NEW.current_image_id IS NOT NULL", had_image="0")
    + "END",
    "CREATE TRIGGER trg_page_production_update AFTER UPDATE OF "
    "project_id, capture_date, operator_id, station_id, qc_passed, deleted_at, current_image_id ON page BEGIN"
    + SQLITE_UNCOUNT_OLD
    + SQLITE_UPSERT.format(
        new_image="NEW.current_image_id IS NOT NULL AND NEW.current_image_id IS NOT OLD.current_image_id",
        had_image="OLD.current_image_id IS NOT NULL",
    )
    + "END",
    "CREATE TRIGGER trg_page_production_delete AFTER DELETE ON page BEGIN" + SQLITE_UNCOUNT_OLD + "END",
]

POSTGRES_FUNCTION = f"""
CREATE FUNCTION production_day_from_page() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  good boolean;
  new_image boolean;
  had_image boolean;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.qc_passed AND OLD.deleted_at IS NULL THEN
    UPDATE production_day SET good_pages = good_pages - 1
    WHERE project_id = OLD.project_id AND capture_date = OLD.capture_date
      AND operator_id = OLD.operator_id AND station_id = OLD.station_id;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  good := NEW.qc_passed AND NEW.deleted_at IS NULL;
  IF TG_OP = 'INSERT' THEN
    new_image := NEW.current_image_id IS NOT NULL;
    had_image := false;
  ELSE
    new_image := NEW.current_image_id IS NOT NULL AND NEW.current_image_id IS DISTINCT FROM OLD.current_image_id;
    had_image := OLD.current_image_id IS NOT NULL;
  END IF;
  IF good OR new_image THEN
    INSERT INTO production_day ({KEY}, good_pages, images, failed_images, reshoots, last_captured_at)
    VALUES (NEW.project_id, NEW.capture_date, NEW.operator_id, NEW.station_id,
            good::int, new_image::int, (new_image AND NOT NEW.qc_passed)::int, (new_image AND had_image)::int,
            CASE WHEN new_image THEN NEW.captured_at END)
    ON CONFLICT ({KEY}) DO UPDATE SET
      good_pages = production_day.good_pages + EXCLUDED.good_pages,
      images = production_day.images + EXCLUDED.images,
      failed_images = production_day.failed_images + EXCLUDED.failed_images,
      reshoots = production_day.reshoots + EXCLUDED.reshoots,
      last_captured_at = GREATEST(production_day.last_captured_at, EXCLUDED.last_captured_at);
  END IF;
  RETURN NEW;
END
$$
"""

POSTGRES_TRIGGER = (
    "CREATE TRIGGER trg_page_production AFTER INSERT OR DELETE OR UPDATE OF "
    "project_id, capture_date, operator_id, station_id, qc_passed, deleted_at, current_image_id "
    "ON page FOR EACH ROW EXECUTE FUNCTION production_day_from_page()"
)


def _backfill(bind: sa.Connection) -> None:
    """Count the pages and uploads that exist already (images are dated in their project's time zone)."""
    zones = dict(bind.execute(sa.text("SELECT id, timezone FROM project")).all())
    rows: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, 0, None])
    for project_id, day, operator_id, station_id, good in bind.execute(
        sa.text(
            "SELECT project_id, capture_date, operator_id, station_id, count(*) FROM page "
            "WHERE qc_passed AND deleted_at IS NULL GROUP BY project_id, capture_date, operator_id, station_id"
        )
    ):
        rows[(project_id, _as_date(day), operator_id, station_id)][0] += good
    for project_id, operator_id, station_id, captured_at, passed, supersedes_id in bind.execute(
        sa.text(
            "SELECT p.project_id, i.operator_id, i.station_id, i.captured_at, i.qc_passed, i.supersedes_id "
            "FROM page_image i JOIN page p ON p.id = i.page_id"
        )
    ):
        at = _as_datetime(captured_at)
        day = at.replace(tzinfo=UTC).astimezone(ZoneInfo(zones[project_id])).date()
        row = rows[(project_id, day, operator_id, station_id)]
        row[1] += 1
        row[2] += 0 if passed else 1
        row[3] += 0 if supersedes_id is None else 1
        row[4] = at if row[4] is None or at > row[4] else row[4]
    table = sa.table(
        "production_day",
        *(sa.column(c) for c in ("project_id", "capture_date", "operator_id", "station_id")),
        sa.column("good_pages"),
        sa.column("images"),
        sa.column("failed_images"),
        sa.column("reshoots"),
        sa.column("last_captured_at", app.core.schema.UTCDateTime()),
    )
    values = [
        {
            "project_id": k[0],
            "capture_date": k[1],
            "operator_id": k[2],
            "station_id": k[3],
            "good_pages": v[0],
            "images": v[1],
            "failed_images": v[2],
            "reshoots": v[3],
            "last_captured_at": v[4].replace(tzinfo=UTC) if v[4] else None,
        }
        for k, v in rows.items()
    ]
    if values:
        op.bulk_insert(table, values)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def upgrade() -> None:
    op.create_table(
        "production_day",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("capture_date", sa.Date(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("good_pages", sa.Integer(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("failed_images", sa.Integer(), nullable=False),
        sa.Column("reshoots", sa.Integer(), nullable=False),
        sa.Column("last_captured_at", app.core.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_production_day_project_id_project")),
        sa.PrimaryKeyConstraint(
            "project_id", "capture_date", "operator_id", "station_id", name=op.f("pk_production_day")
        ),
    )
    op.create_table(
        "workday_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("calendar_date", sa.Date(), nullable=False),
        sa.Column("is_working_day", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_workday_override_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_workday_override_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workday_override")),
        sa.UniqueConstraint("project_id", "calendar_date", name=op.f("uq_workday_override_project_id_calendar_date")),
    )
    bind = op.get_bind()
    _backfill(bind)
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_page_production ON page")
        op.execute("DROP FUNCTION IF EXISTS production_day_from_page()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_page_production_{name}")
    op.drop_table("workday_override")
    op.drop_table("production_day")
