"""Issue 12's second review through a real station and server: a held shot is filed only by `y`."""

from __future__ import annotations

import time

from capture_station.screen import ScreenState
from capture_station.webscreen import _next_text
from tests.capture_station.conftest import Env
from tests.capture_station.harness import sha
from tests.capture_station.test_e2e import is_kind, open_record
from tests.capture_station.test_e2e_numbering import drained, server_pages
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg


def test_a_shot_held_for_y_is_never_numbered_by_another_command(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    p = {i: page_jpeg(700 + i) for i in range(1, 10)}
    m = st.mark()
    for i in (1, 2, 3):
        assert shoot(env, f"h{i}.jpg", p[i])["page"] == i
    for k, (other, then) in enumerate((("x", 4), ("r 3", 3))):
        mk = st.mark()
        st.send("p 2")
        st.wait_for(is_kind("mode", code="confirm_overwrite"), since=mk)
        st.drop(f"held{k}.jpg", p[7 + k])
        st.wait_for(is_kind("hold", code="confirm_first"), since=mk)
        st.send(other)
        dropped = st.wait_for(is_kind("hold", code="held_dropped"), since=mk)[0]
        assert "第 2 页的待确认照片已放弃，未编号" in dropped["text"]
        assert not (env.hot / f"held{k}.jpg").exists() and (env.hot / "unnumbered" / f"held{k}.jpg").exists()
        time.sleep(1.0)
        assert not [e for e in st.events()[mk:] if e["kind"] == "shot"]   # never numbered
        assert shoot(env, f"next{k}.jpg", p[4 + k])["page"] == then
    drained(env, m, 5)
    assert [(n, h) for n, h, _ in server_pages(env)] == [(1, sha(p[1])), (2, sha(p[2])), (3, sha(p[5])),
                                                        (4, sha(p[4]))]
    st.quit()


def test_gaps_left_by_go_to_are_missing_on_the_station_and_its_screen(env: Env) -> None:
    """Review 3: `p 4` on a one-page record leaves 2 and 3 missing; re-opened, `p 2` takes the shot unasked."""
    st = env.station.start()
    open_record(env)
    p = {i: page_jpeg(760 + i) for i in range(1, 6)}
    m = st.mark()
    assert shoot(env, "g1.jpg", p[1])["page"] == 1
    st.send("p 4")
    st.wait_for(is_kind("mode", code="page_set"), since=m)
    assert shoot(env, "g4.jpg", p[4])["page"] == 4
    drained(env, m, 2)
    open_record(env, "00123457-1")
    mk = st.mark()
    open_record(env)
    opened = st.wait_for(is_kind("record"), since=mk)[0]
    assert opened["pages"] == {"1": "pass", "2": "missing", "3": "missing", "4": "pass"}
    st.send("p 2")
    told = st.wait_for(lambda e: e["kind"] == "mode" and e.get("page") == 2, since=mk)[0]
    assert told["code"] == "page_set" and "已有合格图像" not in told["text"]
    taken = shoot(env, "g2.jpg", p[2])
    assert (taken["page"], taken["reshoot"], taken["next_page"]) == (2, False, 5)
    drained(env, m, 3)
    assert [(n, h) for n, h, _ in server_pages(env)] == [(1, sha(p[1])), (2, sha(p[2])), (4, sha(p[4]))]
    st.quit()


def test_the_screens_strip_shows_a_missing_number_as_missing() -> None:
    from capture_station.webscreen import WebScreen

    web = WebScreen(ScreenState())
    try:
        web.on_event({"kind": "record", "record": "R-1", "page_count": 4, "online": True, "ts": "",
                      "pages": {"1": "pass", "2": "missing", "3": "missing", "4": "pass"}})
        web.state.record = "R-1"
        strip = web.snapshot()["strip"]
        assert [(s["page"], s["verdict"]) for s in strip] == [(1, "pass"), (2, "missing"), (3, "missing"),
                                                             (4, "pass")]
        web.strip["R-1"].pop(3)                         # a number the station never saw a page for
        assert web.snapshot()["strip"][2]["verdict"] == "missing"
    finally:
        web.stop()


def test_after_a_restart_with_a_failed_last_page_the_screen_says_re_shoot(env: Env) -> None:
    """Review 4: the ready event carries the mode, so the screen says "下一张重拍第 2 页", not "下一张：第 2 页"."""
    st = env.station.start()
    open_record(env)
    assert shoot(env, "f1.jpg", page_jpeg(781))["page"] == 1
    assert shoot(env, "f2.jpg", page_jpeg(782, blur=4.0))["verdict"] == "fail"
    st.quit()
    m = st.mark()
    st.start()
    ready = st.wait_for(is_kind("ready"), since=m)[0]
    assert (ready["next_page"], ready["mode"]) == (2, "retake")
    screen = ScreenState()
    screen.record, screen.record_open = "R", True
    screen.update(ready)
    assert _next_text(screen, "zh") == "下一张重拍第 2 页"
    st.quit()
