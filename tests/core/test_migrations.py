"""Alembic builds the schema on both backends, and the models match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app.core.schema import metadata


def test_upgrade_creates_every_table(db: Engine) -> None:
    tables = set(inspect(db).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_match_migrations(db: Engine) -> None:
    with db.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"models differ from migrations; write a migration: {diff}"
