"""Issue 12's second review through a real station and server: a held shot is filed only by `y`."""

from __future__ import annotations

import time

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
