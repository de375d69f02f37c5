"""Issue 12, defect 5: today's count and the QC profile come from the server, and the status line follows it."""

from __future__ import annotations

import json
import sqlite3

from tests.capture_station.conftest import Env
from tests.capture_station.test_e2e import is_kind, open_record
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg


def set_project_profile(env: Env, **changes: object) -> None:
    """Give the project a QC profile of its own on the server (as a manager would)."""
    import qc

    profile = {**qc.default_profile().to_dict(), "name": "strict", **changes}
    db = env.server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        assert conn.execute("UPDATE project SET qc_profile = ?", (json.dumps(profile),)).rowcount == 1


def test_todays_count_is_the_servers_and_survives_a_restart_and_the_refresher_keeps_running(env: Env) -> None:
    st = env.station.start()
    m = st.mark()
    first = st.wait_for(is_kind("today"), since=m, timeout=60)[0]
    assert (first["source"], first["good_pages"]) == ("server", 0)
    assert st.wait_for(is_kind("profile"), since=m, timeout=60)[0]["source"] == "server"
    open_record(env)
    for i in (1, 2):
        shoot(env, f"t{i}.jpg", page_jpeg(980 + i))
    st.wait_for(is_kind("uploaded"), since=m, count=2, timeout=60)
    # the refresher is still alive after the profile fetch: a later round brings the server's new count
    st.wait_for(lambda e: e["kind"] == "today" and e.get("good_pages") == 2, since=m, timeout=60)
    st.quit()
    st.start()
    m = st.mark()
    again = st.wait_for(is_kind("today"), since=m, timeout=60)[0]
    assert again["good_pages"] == 2                                  # the server's count, not a tally from 0
    assert "Traceback" not in st.output() and "Exception in thread" not in st.output()

    # the status line follows the last attempt: server gone, then back, with nothing waiting to upload
    env.server.stop()
    st.wait_for(is_kind("offline"), since=m, timeout=60)
    m = st.mark()
    env.server.start(timeout=180)
    back = st.wait_for(is_kind("online"), since=m, timeout=60)[0]
    assert back["text"] == "服务器已连接"
    st.quit()


def test_the_local_check_uses_the_projects_thresholds_from_the_server(env: Env) -> None:
    set_project_profile(env, min_dpi=5000.0)                  # no photographed page reaches 5000 dpi
    st = env.station.start()
    m = st.mark()
    assert st.wait_for(is_kind("profile"), since=m, timeout=60)[0]["name"] == "strict"
    open_record(env)
    local = shoot(env, "s1.jpg", page_jpeg(990))
    assert local["verdict"] == "fail" and "low_resolution" in local["reasons"]
    server = st.wait_for(is_kind("uploaded"), since=m, timeout=60)[0]
    assert server["verdict"] == "fail" and server["reasons"] == local["reasons"]
    st.quit()
