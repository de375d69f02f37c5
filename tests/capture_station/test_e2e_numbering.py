"""Issue 12's numbering defects through a real station and a real server: each with its right behaviour."""

from __future__ import annotations

import time

from tests.capture_station.conftest import Env
from tests.capture_station.harness import sha
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg

NEXT = "00123457-1"


def server_pages(env: Env, barcode: str = BARCODE) -> list[tuple[int, str, int]]:
    """(page number, current image's sha256, images) of the record's pages on the server."""
    view = env.view()
    return [(p["page_number"], view.current_sha(p), p["image_count"]) for p in view.pages(barcode)]


def drained(env: Env, since: int, uploads: int) -> None:
    env.station.wait_for(is_kind("uploaded"), since=since, count=uploads, timeout=90)


def test_insert_cancel_leaves_no_hole_and_go_to_a_good_page_asks_first(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    p = {i: page_jpeg(900 + i) for i in range(1, 10)}
    m = st.mark()
    for i in (1, 2, 3):
        assert shoot(env, f"b{i}.jpg", p[i])["page"] == i
    # defect 1: `i 2` then `x` — nothing moved on the server, the next shot is page 4
    st.send("i 2")
    st.wait_for(is_kind("mode", page=2), since=m)
    st.send("x")
    cancelled = st.wait_for(lambda e: e["kind"] == "mode" and e.get("code") == "mode_cleared", since=m)[0]
    assert cancelled["next_page"] == 4
    assert shoot(env, "b4.jpg", p[4])["page"] == 4
    drained(env, m, 4)
    assert [n for n, _, _ in server_pages(env)] == [1, 2, 3, 4]
    # an insert with its shot: the pages move in the same step
    st.send("i 2")
    st.wait_for(is_kind("mode", page=2), since=m, count=2)
    assert shoot(env, "b5.jpg", p[5])["insert"] is True
    drained(env, m, 5)
    assert [h for _, h, _ in server_pages(env)] == [sha(p[i]) for i in (1, 5, 2, 3, 4)]

    # defect 2: `p 3` on a good page asks for `y`; a shot meanwhile stays in the hot folder
    m = st.mark()
    st.send("p 3")
    asked = st.wait_for(is_kind("mode", code="confirm_overwrite"), since=m)[0]
    assert "y" in asked["text"] and "第 3 页已有合格图像" in asked["text"]
    st.drop("b6.jpg", p[6])
    held = st.wait_for(is_kind("hold"), since=m)[0]
    assert held["code"] == "confirm_first"
    time.sleep(1.0)
    assert (env.hot / "b6.jpg").exists() and not [e for e in st.events()[m:] if e["kind"] == "shot"]
    st.send("y")
    taken = st.wait_for(is_kind("shot"), since=m)[0]
    assert (taken["page"], taken["reshoot"], taken["next_page"]) == (3, True, 6)
    assert shoot(env, "b7.jpg", p[7])["page"] == 6                 # one page replaced, then the end again
    drained(env, m, 2)
    pages = server_pages(env)
    assert [(n, h) for n, h, _ in pages] == [(1, sha(p[1])), (2, sha(p[5])), (3, sha(p[6])), (4, sha(p[3])),
                                            (5, sha(p[4])), (6, sha(p[7]))]
    assert pages[3][2] == 1                                        # page 4 was never overwritten
    st.quit()


def test_a_finished_record_is_closed_and_a_refused_barcode_closes_the_open_one(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    m = st.mark()
    for i in (1, 2):
        shoot(env, f"c{i}.jpg", page_jpeg(950 + i))
    st.send("f 2")
    assert st.wait_for(is_kind("finished"), since=m, timeout=60)[0]["complete"] is True
    # defect 3: the next shot without a new barcode is held, with the reason on screen
    st.drop("c3.jpg", page_jpeg(953))
    held = st.wait_for(is_kind("hold"), since=m)[0]
    assert "请先扫描下一份病案条码" in held["text"]
    time.sleep(1.0)
    assert (env.hot / "c3.jpg").exists()
    # the next record opens and takes the waiting shot as its page 1
    m = st.mark()
    open_record(env, NEXT)
    first = st.wait_for(is_kind("shot"), since=m)[0]
    assert first["page"] == 1 and first["record"] == NEXT
    # a refused barcode closes the open record: shots wait instead of going into the previous one
    m = st.mark()
    st.send("NOT-A-RECORD")
    refused = st.wait_for(is_kind("record_refused"), since=m)[0]
    assert refused["code"] == "bad_record_identity" and "条码不是本项目的病案条码" in refused["text"]
    st.drop("c4.jpg", page_jpeg(954))
    assert st.wait_for(is_kind("hold"), since=m)[0]["code"] == "hold_for_record"
    time.sleep(1.0)
    assert (env.hot / "c4.jpg").exists()
    drained(env, 0, 3)
    assert [n for n, _, _ in server_pages(env)] == [1, 2]
    assert [n for n, _, _ in server_pages(env, NEXT)] == [1]
    st.quit()
