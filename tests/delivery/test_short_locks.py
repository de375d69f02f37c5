"""Issue 16 (breakit-b16 #2): an export on SQLite never holds the write lock while it works on pixels or writes
files, so a page's sign-in write and the export's own heartbeat take it at once (they once waited out the busy
timeout and answered 500 `database is locked`). Each probe takes the write lock with no wait at all."""

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.storage import LocalImageStore
from app.delivery import contents, metadata, runner
from tests.delivery.helpers import accepted_records, approved_export


def _probe(db, taken: list[bool]) -> None:  # noqa: ANN001
    """Take SQLite's write lock from another connection without waiting; note whether it was free."""
    conn = sqlite3.connect(db.url.database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        taken.append(True)
    except sqlite3.OperationalError:
        taken.append(False)
    finally:
        conn.close()


def test_export_leaves_the_write_lock_free_while_it_works(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    acc = accepted_records(client, session, [("00012345", 3, {1: "首页"})])
    client.app.state.qc.wait_later()
    acc.project.delivery_profile = {"contents": "processed", "format": "tiff", "margin_mm": 7, "mets": True}
    session.add(acc.project)
    session.commit()  # new settings: every copy is made by the export itself
    export = approved_export(session, acc, tmp_path / "package")

    copying: list[bool] = []
    writing_meta: list[bool] = []
    run_here, add = contents._run_here, metadata.MetadataFile.add

    def run_and_probe(*args):  # noqa: ANN002, ANN202
        _probe(db, copying)
        return run_here(*args)

    def add_and_probe(self, row):  # noqa: ANN001, ANN202
        _probe(db, writing_meta)
        return add(self, row)

    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 3600)  # the beat's own short write is not what is measured
    monkeypatch.setattr(contents, "_run_here", run_and_probe)
    monkeypatch.setattr(metadata.MetadataFile, "add", add_and_probe)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and result.pages_done == 3
    assert copying == [True, True, True]  # three copies made, none under the write lock
    assert writing_meta and all(writing_meta)
