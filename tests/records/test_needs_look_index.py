"""The pages that need a look are found through the partial index of marked copies on both backends
(ix_processed_image_needs_look, migration 115dd6961e23): the plan of app.records.versions.needs_look_query as the
app sends it (compiled by the backend's dialect, with its bound values) searches the index by the fingerprint and
never scans processed_image. Before, SQLite scanned the table: the index's bare `needs_look` predicate is not the
`needs_look = 1` SQLAlchemy writes there, and SQLite uses a partial index only for its own predicate's words.
The migration's downgrade gives back the index as it was."""

from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from app.core.migrate import alembic_config, upgrade
from app.inspection.looks import count_looks
from app.records.versions import needs_look_query
from tests.acceptance.helpers import T0, add_record, make_shop
from tests.records.test_versions import _copy, _images

INDEX = "ix_processed_image_needs_look"


def _plan(session: Session, query) -> list[str]:  # noqa: ANN001  (a select)
    """The backend's plan of a select, compiled and bound as the session would run it."""
    conn = session.connection()
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    return [str(row[-1]) for row in conn.exec_driver_sql(explain + str(compiled), args)]


def _marked_pages(session: Session):  # noqa: ANN202
    """A project with 30 pages whose current copies exist, two of them marked, and marked copies of other settings."""
    shop = make_shop(session)
    record = add_record(session, shop, "200001", 30, T0, finish=False)
    images = _images(session, record.id)
    for n, image in enumerate(images):
        _copy(session, image, look=n in (4, 17))
        _copy(session, image, look=True, n=n + 1, current=False)  # stale copies' marks are not the page's
    session.commit()
    return shop.project, [images[4].id, images[17].id]


def test_sqlite_and_postgresql_read_the_marked_copies_from_the_partial_index(session: Session) -> None:
    project, marked = _marked_pages(session)
    query = needs_look_query(session, project.id)
    assert [image.id for _, image in session.exec(query).all()] == marked  # the query planned is the one that answers
    assert count_looks(session, project.id) == 2
    if session.get_bind().dialect.name == "postgresql":
        # Tiny tables: PostgreSQL would rather read them whole; without that choice it must find the best index.
        # SET LOCAL ends with the test's transaction (a plain SET would stay on the pooled connection).
        session.connection().execute(text("SET LOCAL enable_seqscan = off"))
    plan = _plan(session, query)
    shown = "\n".join(plan)
    at = next((i for i, line in enumerate(plan) if INDEX in line), None)
    assert at is not None, shown
    if session.get_bind().dialect.name == "sqlite":
        assert f"SEARCH processed_image USING INDEX {INDEX} (fingerprint=?)" in plan[at], shown
        assert not any(line.startswith("SCAN processed_image") for line in plan), shown
    else:
        # the fingerprint is the index's condition (the old (image_id, id) index could only be read whole)
        assert "Index Cond: (fingerprint = " in plan[at + 1], shown
        assert "Seq Scan on processed_image" not in shown, shown


def test_the_migration_down_gives_back_the_old_index_and_up_the_new(db: Engine, database_url: str) -> None:
    def columns() -> list[str]:
        (index,) = [i for i in inspect(db).get_indexes("processed_image") if i["name"] == INDEX]
        return index["column_names"]

    command.downgrade(alembic_config(database_url), "e7a41c2d9f05")
    try:
        assert columns() == ["image_id", "id"]
    finally:
        upgrade(database_url)
    assert columns() == ["fingerprint", "image_id"]
