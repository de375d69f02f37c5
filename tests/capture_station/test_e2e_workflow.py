"""The record workflow through the real station: delete, insert a missed page, segments, blank pages, finish."""

from __future__ import annotations

import time

from tests.capture_station.conftest import Env
from tests.capture_station.harness import sha
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.factories import page_jpeg


def shoot(env: Env, name: str, data: bytes) -> dict:
    """Drop one file and wait for its shot event."""
    m = env.station.mark()
    env.station.drop(name, data)
    return env.station.wait_for(lambda e: e["kind"] == "shot" and e["source"] == name, since=m)[0]


def test_delete_insert_segment_blank_and_finish(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    p = {i: page_jpeg(700 + i) for i in range(1, 8)}
    wrong = page_jpeg(799)
    start = st.mark()
    assert shoot(env, "a1.jpg", p[1])["page"] == 1
    assert shoot(env, "a2.jpg", wrong)["page"] == 2          # a wrong shot...
    st.send("d 2")                                            # ...deleted
    st.wait_for(is_kind("deleted", page=2), since=start)
    assert shoot(env, "a3.jpg", p[2])["page"] == 2
    assert shoot(env, "a4.jpg", p[4])["page"] == 3            # page 3 of the paper was missed
    st.send("i 3")                                            # insert the missed page before it
    st.wait_for(lambda e: e["kind"] == "mode" and e.get("page") == 3, since=start)
    inserted = shoot(env, "a5.jpg", p[3])
    assert inserted["page"] == 3 and inserted["insert"] is True  # the slot opens with its shot
    assert shoot(env, "a6.jpg", p[5])["page"] == 5            # numbering continues after the inserted page
    st.send("s 手术记录")
    st.send("b")
    time.sleep(0.3)
    sixth = shoot(env, "a7.jpg", p[6])
    assert sixth["page"] == 6
    st.send("f 7")                                            # the paper has 7 pages: page 7 is missing
    finished = st.wait_for(is_kind("finished"), since=start, timeout=60)[0]
    assert finished["missing"] == [7] and finished["extra"] == [] and finished["complete"] is False
    assert "缺页 7" in finished["text"]
    ops = [e for e in st.events()[start:] if e["kind"] == "op_done"]
    assert [(e["op"], e["page"]) for e in ops] == [("delete", 2)]   # the insert travelled with its image

    view = env.view()
    pages = view.pages(BARCODE)
    assert [pg["page_number"] for pg in pages] == [1, 2, 3, 4, 5, 6]
    assert [view.current_sha(pg) for pg in pages] == [sha(p[i]) for i in range(1, 7)]
    assert pages[5]["segment"] == "手术记录" and pages[5]["intentionally_blank"] is True
    assert not any(pg["intentionally_blank"] for pg in pages[:5])

    m = st.mark()
    open_record(env)                                          # a finished record is closed: scan it again
    assert shoot(env, "a8.jpg", p[7])["page"] == 7
    st.send("f 7")
    assert st.wait_for(is_kind("finished"), since=m, timeout=60)[0]["complete"] is True
    st.quit()
