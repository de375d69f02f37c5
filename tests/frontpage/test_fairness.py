"""The reading job deals each batch round robin across projects: one project's backlog never starves another
(issue 18 review). The reader here is a stand-in that records which project's page it was given; the OCR itself
is tested in test_reading_job.py."""

from sqlmodel import Session, select

from app.core.storage import LocalImageStore
from app.frontpage.models import FrontPageReading
from app.frontpage.reading import Turns, run_once
from app.pages.models import Page, PageImage
from tests.acceptance.helpers import T0, add_record, make_shop


def _backlog(session, store, code: str, n: int):
    """A project with n records of one page each, every page's image stored under its own bytes."""
    shop = make_shop(session, code=code)
    records = [add_record(session, shop, f"{code}{1000 + i}", 1, T0) for i in range(n)]
    session.flush()
    for image in session.exec(
        select(PageImage).join(Page, Page.id == PageImage.page_id).where(Page.record_id.in_([r.id for r in records]))
    ):
        image.sha256 = store.put(f"{code}:{image.page_id}".encode()).sha256
        session.add(image)
    session.commit()
    return shop.project.id


class ProjectReader:
    """Stands in for the OCR: remembers each page's project (from the bytes the test stored) and reads nothing."""

    def __init__(self) -> None:
        self.projects: list[str] = []

    def __call__(self, data: bytes, skew: float | None) -> dict:
        self.projects.append(data.decode().split(":")[0])
        return {"lines": [], "fields": {}}


def _read_by_project(db) -> dict[int, int]:
    with Session(db) as s:
        rows = s.exec(select(FrontPageReading)).all()
    out: dict[int, int] = {}
    for row in rows:
        out[row.project_id] = out.get(row.project_id, 0) + 1
    return out


def test_a_backlog_in_one_project_does_not_starve_another(db, session, tmp_path) -> None:
    store = LocalImageStore(tmp_path / "images")
    big = _backlog(session, store, "BIG", 12)  # the lower id: the old job read it first, batch after batch
    small = _backlog(session, store, "SML", 3)
    reader, turns = ProjectReader(), Turns()

    assert run_once(db, store, reader, limit=4, turns=turns) == 4
    assert reader.projects == ["BIG", "SML", "BIG", "SML"]  # dealt in turns within the batch
    assert run_once(db, store, reader, limit=4, turns=turns) == 4
    assert _read_by_project(db) == {big: 5, small: 3}  # the small project is done after two batches
    while run_once(db, store, reader, limit=4, turns=turns):
        pass
    assert _read_by_project(db) == {big: 12, small: 3}  # and the backlog is read to the end, each page once


def test_turns_rotate_over_batches_when_more_projects_wait_than_a_batch_holds(db, session, tmp_path) -> None:
    store = LocalImageStore(tmp_path / "images")
    for code in ("PA", "PB", "PC"):
        _backlog(session, store, code, 3)
    reader, turns = ProjectReader(), Turns()

    for _ in range(3):
        run_once(db, store, reader, limit=2, turns=turns)
    assert reader.projects == ["PA", "PB", "PC", "PA", "PB", "PC"]  # PC is not left to wait for PA and PB


def test_turns_start_after_the_last_project_served() -> None:
    turns = Turns()
    assert turns.order([3, 1, 2]) == [1, 2, 3]
    turns.last = 2
    assert turns.order([3, 1, 2]) == [3, 1, 2]
    turns.last = 3
    assert turns.order([1, 2, 3]) == [1, 2, 3]
    turns.last = 9  # a project since deleted: start again from the lowest id
    assert turns.order([1, 2, 3]) == [1, 2, 3]


def test_the_poll_reads_the_front_page_candidates_index(db) -> None:
    """The poll's plan (bench/frontpage_poll.py has the figures at 3.6 M pages): SQLite takes a partial index only
    for a query that repeats the index's WHERE terms, so the poll must keep them (reading._candidate)."""
    from app.frontpage.reading import front_marks, waiting_query

    query = waiting_query(1, front_marks(["首页", "病程记录"]), 8)
    with db.connect() as conn:
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        if conn.dialect.name == "sqlite":
            params = tuple(compiled.params[k] for k in compiled.positiontup)
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params))
            assert "SEARCH page USING COVERING INDEX ix_page_front_candidate (project_id=?)" in plan, plan
        else:  # on an empty table PostgreSQL may well scan it: only check that the index exists
            names = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'page'").scalars().all()
            assert "ix_page_front_candidate" in names
