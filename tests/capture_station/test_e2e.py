"""End to end: the real server on loopback and a real station process on a hot folder."""

from __future__ import annotations

import time

from tests.capture_station.conftest import Env
from tests.capture_station.harness import sha
from tests.factories import page_jpeg

BARCODE = "00123456-2"


def is_kind(kind: str, **fields: object):  # noqa: ANN201
    """A predicate on events."""
    return lambda e: e["kind"] == kind and all(e.get(k) == v for k, v in fields.items())


def open_record(env: Env, barcode: str = BARCODE) -> None:
    """Scan a barcode and wait until the record is open."""
    m = env.station.mark()
    env.station.send(barcode)
    env.station.wait_for(lambda e: e["kind"] in ("record", "record_refused"), since=m)


def test_shots_arrive_once_in_order_with_verdicts(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    shots = [page_jpeg(100 + i) for i in range(6)]
    m = st.mark()
    for i, data in enumerate(shots):
        st.drop(f"IMG_{i:04d}.jpg", data)
        time.sleep(0.3)
    local = st.wait_for(is_kind("shot"), since=m, count=6)
    assert [e["page"] for e in local] == [1, 2, 3, 4, 5, 6]
    assert all(e["verdict"] == "pass" for e in local)
    assert all(isinstance(e["total_ms"], int | float) for e in local)  # how long: bench/station.py, never here
    uploaded = st.wait_for(is_kind("uploaded"), since=m, count=6, timeout=60)
    assert [e["page"] for e in uploaded] == [1, 2, 3, 4, 5, 6]
    assert {e["verdict"] for e in uploaded} == {"pass"}

    view = env.view()
    pages = view.pages(BARCODE)
    assert [p["page_number"] for p in pages] == [1, 2, 3, 4, 5, 6]
    assert [p["image_count"] for p in pages] == [1] * 6
    assert [view.current_sha(p) for p in pages] == [sha(d) for d in shots]
    assert all(p["qc_passed"] for p in pages)
    assert list(env.hot.glob("*.jpg")) == []          # handled files are removed (after_pickup=delete)
    assert st.quit() == 0
    assert list((env.home / "data" / "outbox").iterdir()) == []   # copies deleted after the 2xx


def test_blurred_shot_is_flagged_and_the_next_shot_reshoots_it_in_place(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    good1, blurred, retake, good3 = page_jpeg(201), page_jpeg(202, blur=4.0), page_jpeg(204), page_jpeg(203)
    m = st.mark()
    for i, data in enumerate([good1, blurred]):
        st.drop(f"IMG_{i:04d}.jpg", data)
        time.sleep(0.3)
    shots = st.wait_for(is_kind("shot"), since=m, count=2)
    flagged = shots[1]
    assert flagged["page"] == 2 and flagged["verdict"] == "fail" and "blur" in flagged["reasons"]
    assert flagged["bell"] is True and flagged["level"] == "error"
    assert "请补拍" in flagged["text"] and "模糊" in flagged["text"] and "下一张重拍第 2 页" in flagged["text"]
    assert (flagged["next_page"], flagged["mode"]) == (2, "retake")
    server2 = st.wait_for(is_kind("uploaded", page=2), since=m)[0]
    assert server2["verdict"] == "fail"

    m = st.mark()
    st.drop("IMG_0003.jpg", retake)                    # re-shot as told: it replaces page 2
    again = st.wait_for(is_kind("shot"), since=m)[0]
    assert again["page"] == 2 and again["verdict"] == "pass" and again["reshoot"] is True
    assert (again["next_page"], again["mode"]) == (3, "append")
    up = st.wait_for(is_kind("uploaded", page=2), since=m, timeout=30)[0]
    assert up["verdict"] == "pass" and up["superseded_image_id"] == server2["image_id"]
    st.drop("IMG_0004.jpg", good3)                     # the next ordinary shot continues at the end
    assert st.wait_for(is_kind("shot"), since=m, count=2)[1]["page"] == 3
    st.wait_for(is_kind("uploaded", page=3), since=m, timeout=30)

    view = env.view()
    pages = view.pages(BARCODE)
    assert [p["page_number"] for p in pages] == [1, 2, 3]
    assert pages[1]["image_count"] == 2 and pages[1]["qc_passed"] is True
    assert view.current_sha(pages[1]) == sha(retake)
    history = view.images(pages[1]["id"])
    assert [i["sha256"] for i in history] == [sha(blurred), sha(retake)]
    # `r 1` re-shoots exactly one page, then numbering returns to the end
    m = st.mark()
    st.send("r 1")
    st.wait_for(is_kind("mode", page=1), since=m)
    st.drop("IMG_0005.jpg", page_jpeg(205))
    st.drop("IMG_0006.jpg", page_jpeg(206))
    assert [e["page"] for e in st.wait_for(is_kind("shot"), since=m, count=2)] == [1, 4]
    st.quit()
    out = st.output()
    assert "第 2 页 请补拍：图像模糊" in out and "\a" in out   # the bell rings on the console too
