"""Re-shoot tasks follow their pages through a real station and a real server (issue 15, the tester's findings 1-3):
an insert moves the listed page numbers, a re-shoot of the page now holding the flagged page closes its task,
a deleted page's task is withdrawn, and a station restarted with the record open lists the tasks at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.core.db import make_engine, writing
from app.inspection.service import flag_page
from app.pages.models import Page
from app.projects.models import Project
from tests.capture_station.conftest import Env
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg


def _flag(env: Env, numbers: tuple[int, ...]) -> None:
    pages = env.view().pages(BARCODE)
    engine = make_engine(env.server.database_url)  # type: ignore[attr-defined]
    with Session(writing(engine)) as s:
        project = s.exec(select(Project).where(Project.code == env.prov.project_code)).one()  # type: ignore[attr-defined]
        for page in pages:
            if page["page_number"] in numbers:
                row = s.get(Page, page["id"])
                assert row is not None and row.current_image_id is not None
                flag_page(s, project, row.id, row.current_image_id, defect="blurred", note=None, user_id=1,
                          actor={}, now=datetime.now(UTC))
        s.commit()
    engine.dispose()


def _withdrawals(env: Env) -> list[dict]:
    engine = make_engine(env.server.database_url)  # type: ignore[attr-defined]
    with Session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == "reshoot_task.cancel")).all()
        found = [dict(r.detail or {}) for r in rows]
    engine.dispose()
    return found


def _server_tasks(env: Env) -> list[int]:
    view = env.view()
    rec = view.record(BARCODE)
    assert rec is not None
    return [t["page_number"] for t in view.http.get(f"/api/v1/records/{rec['id']}/reshoot-tasks").json()]


def _listed(event: dict) -> list[int]:
    return [t["page_number"] for t in event["tasks"]]


def test_tasks_follow_their_pages_through_insert_reshoot_delete_and_restart(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    m = st.mark()
    for i in range(1, 6):
        assert shoot(env, f"a{i}.jpg", page_jpeg(700 + i))["page"] == i
    st.wait_for(is_kind("uploaded"), since=m, count=5, timeout=90)
    _flag(env, (2, 4))

    # Finding 3: restarted with the record still open, the station lists its tasks without a new scan.
    assert st.quit() == 0
    m = st.mark()
    st.start()
    told = st.wait_for(is_kind("reshoot_tasks"), since=m, timeout=30)[0]
    assert _listed(told) == [2, 4] and "r 2" in told["text"]

    # Finding 1: `i 1` and a shot: the flagged pages are now 3 and 5, on the server and at the station.
    m = st.mark()
    st.send("i 1")
    st.wait_for(is_kind("mode", page=1), since=m)
    shoot(env, "ins.jpg", page_jpeg(777))
    st.wait_for(lambda e: e["kind"] == "reshoot_tasks" and _listed(e) == [3, 5], since=m)
    st.wait_for(is_kind("uploaded", insert=True), since=m, timeout=60)
    lists = st.wait_for(is_kind("reshoot_tasks"), since=m)
    assert _listed(lists[-1]) == [3, 5] and "r 3" in lists[-1]["text"] and "r 2" not in lists[-1]["text"]
    assert _server_tasks(env) == [3, 5]  # the station asked again once the insert was stored: nothing changed
    # a re-shoot of page 3 (the flagged page's number now) closes its task; page 2 (good) is untouched
    before = {p["page_number"]: env.view().current_sha(p) for p in env.view().pages(BARCODE)}
    m = st.mark()
    st.send("r 3")
    st.wait_for(is_kind("mode", page=3), since=m)
    shoot(env, "re3.jpg", page_jpeg(733))
    done = st.wait_for(lambda e: e["kind"] == "reshoot_tasks" and e.get("done"), since=m, timeout=60)[0]
    assert done["done"] == [3] and _listed(done) == [5]
    after = {p["page_number"]: env.view().current_sha(p) for p in env.view().pages(BARCODE)}
    assert after[2] == before[2] and after[3] != before[3]

    # Finding 2: `d 5` deletes the other flagged page: its task is withdrawn (audited), the list empties.
    m = st.mark()
    st.send("d 5")
    st.wait_for(lambda e: e["kind"] == "reshoot_tasks" and _listed(e) == [], since=m)
    st.wait_for(is_kind("op_done", op="delete"), since=m, timeout=60)
    assert _server_tasks(env) == []
    assert [w.get("reason") for w in _withdrawals(env)] == ["page deleted"]
    assert st.quit() == 0
