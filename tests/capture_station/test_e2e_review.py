"""Issue 12's review holes through a real station and a real server (each fails on the station before the review).

1. A record opened by its barcode and later, offline and after a restart, by `m MRN visit` goes on where it was;
   a station that numbers a new page onto a good one anyway (a re-installed PC) is refused by the server with
   its own words, and nothing is overwritten.
2. Re-scanning a record while a delete is still queued takes the station's own count, not the server's.
3. `x` after a failed `i N` shot withdraws the inserted page again.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.capture_station.conftest import Env
from tests.capture_station.harness import cli, sha
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.capture_station.test_e2e_numbering import NEXT, server_pages
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg


def queue_empty(env: Env, polls: int = 600) -> dict:
    """Wait until the station's queue is empty; its status. A hang guard, not a timing: after `polls` looks (0.3 s
    apart, generous for a loaded machine) the test fails naming what is still queued."""
    for _ in range(polls):
        status = json.loads(cli(env.home, "status", "--json").stdout)
        if status["counts"]["queued"] == 0:
            return status
        time.sleep(0.3)
    pytest.fail(f"the station's queue never emptied: {status['counts']}")


def test_barcode_then_mrn_visit_offline_is_one_record_and_the_server_refuses_an_overwrite(env: Env) -> None:
    st = env.station.start()
    p = {i: page_jpeg(1200 + i) for i in range(1, 6)}
    open_record(env)                                        # online, by barcode
    for i in (1, 2):
        assert shoot(env, f"a{i}.jpg", p[i])["page"] == i
    open_record(env, NEXT)
    queue_empty(env)
    st.quit()
    env.server.stop()                                      # offline, and the station restarted
    st.start()
    m = st.mark()
    st.send("m 00123456 2")
    opened = st.wait_for(is_kind("record"), since=m)[0]
    assert (opened["online"], opened["next_page"]) == (False, 3)
    assert shoot(env, "a3.jpg", p[3])["page"] == 3
    env.server.start()
    queue_empty(env)
    assert [(n, h) for n, h, _ in server_pages(env)] == [(1, sha(p[1])), (2, sha(p[2])), (3, sha(p[3]))]

    # a station that lost its outbox (a re-installed PC) numbers page 1 again, offline: the server refuses it
    st.quit()
    env.server.stop()
    shutil.rmtree(env.home / "data")
    st.start()
    m = st.mark()
    open_record(env)
    assert shoot(env, "a4.jpg", p[4])["page"] == 1
    env.server.start()
    refused = st.wait_for(is_kind("rejected"), since=m, timeout=90)[0]
    assert refused["code"] == "page_has_good_image" and refused["status"] == 409
    assert "服务器上该页已有合格图像，未覆盖" in refused["text"] and "good image" not in refused["text"]
    assert Path(refused["file"]).read_bytes() == p[4]       # the shot is kept at the station
    status = queue_empty(env)
    assert status["counts"]["rejected"] == 1
    assert [(n, h, c) for n, h, c in server_pages(env)] == [(1, sha(p[1]), 1), (2, sha(p[2]), 1), (3, sha(p[3]), 1)]
    st.quit()


def test_rescanning_with_a_delete_still_queued_keeps_the_stations_count(env: Env, tmp_path: Path) -> None:
    hold = tmp_path / "hold-uploads"
    st = env.station.start(FOLIO_STATION_HOLD_UPLOADS=str(hold))
    p = {i: page_jpeg(1300 + i) for i in range(1, 7)}
    open_record(env)
    for i in (1, 2, 3, 4):
        shoot(env, f"b{i}.jpg", p[i])
    queue_empty(env)
    hold.touch()                                           # the server is up, but nothing of this station arrives
    m = st.mark()
    st.send("d 2")
    st.wait_for(is_kind("deleted"), since=m)
    open_record(env, NEXT)
    m = st.mark()
    st.send(BARCODE)
    reopened = st.wait_for(is_kind("record"), since=m)[0]
    assert (reopened["online"], reopened["next_page"]) == (True, 4)   # not 5: the server still has 4 pages
    assert shoot(env, "b5.jpg", p[5])["page"] == 4
    hold.unlink()
    queue_empty(env)
    assert [(n, h) for n, h, _ in server_pages(env)] == [(1, sha(p[1])), (2, sha(p[3])), (3, sha(p[4])),
                                                        (4, sha(p[5]))]
    st.quit()


def test_x_after_a_failed_insert_shot_leaves_the_record_as_before(env: Env) -> None:
    st = env.station.start()
    p = {i: page_jpeg(1400 + i) for i in range(1, 5)}
    open_record(env)
    for i in (1, 2, 3):
        shoot(env, f"c{i}.jpg", p[i])
    m = st.mark()
    st.send("i 2")
    st.wait_for(is_kind("mode", page=2), since=m)
    failed = shoot(env, "c-blurred.jpg", page_jpeg(1499, blur=4.0))
    assert (failed["page"], failed["verdict"], failed["insert"]) == (2, "fail", True)
    st.send("x")
    undone = st.wait_for(is_kind("mode", code="insert_undone"), since=m)[0]
    assert undone["next_page"] == 4 and "已撤销插入：第 2 页已删除" in undone["text"]
    assert shoot(env, "c4.jpg", p[4])["page"] == 4
    queue_empty(env)
    assert [(n, h) for n, h, _ in server_pages(env)] == [(n, sha(p[n])) for n in (1, 2, 3, 4)]
    # finishing is refused while a page's current image failed, naming it
    m = st.mark()
    shoot(env, "c-blurred-2.jpg", page_jpeg(1498, blur=4.0))
    st.send("x")
    st.send("f 5")
    refused = st.wait_for(lambda e: e["kind"] == "error" and e.get("code") == "finish_failed_pages", since=m)[0]
    assert "不能完成：第 5 页" in refused["text"]
    st.quit()
