"""Kill the server, kill -9 the station, write files slowly: every shot arrives exactly once."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.capture_station.conftest import Env
from tests.capture_station.harness import cli, sha
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.factories import page_jpeg


def assert_exactly_once(env: Env, shots: list[bytes]) -> None:
    """The record holds these shots as pages 1..n, each with exactly one image."""
    view = env.view()
    pages = view.pages(BARCODE)
    assert [p["page_number"] for p in pages] == list(range(1, len(shots) + 1))
    assert [p["image_count"] for p in pages] == [1] * len(shots)
    assert [view.current_sha(p) for p in pages] == [sha(d) for d in shots]
    view.close()


def dropper(env: Env, shots: list[bytes], start: int, gap: float) -> threading.Thread:
    """Drop shots into the hot folder in the background, one every `gap` seconds."""
    def run() -> None:
        for i, data in enumerate(shots):
            env.station.drop(f"IMG_{start + i:04d}.jpg", data)
            time.sleep(gap)
    th = threading.Thread(target=run)
    th.start()
    return th


def test_server_killed_mid_run_and_restarted(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    shots = [page_jpeg(300 + i) for i in range(10)]
    m = st.mark()
    th = dropper(env, shots, 0, 0.4)
    st.wait_for(is_kind("uploaded"), since=m, count=3, timeout=60)
    env.server.kill()                                  # kill -9, in the middle of the stream
    killed_at = time.monotonic()
    offline = st.wait_for(is_kind("offline"), since=m, timeout=30)[0]
    assert "服务器无法连接" in offline["text"] and "继续拍摄" in offline["text"]
    th.join()
    shot_events = st.wait_for(is_kind("shot"), since=m, count=10, timeout=30)
    assert [e["page"] for e in shot_events] == list(range(1, 11))   # capture goes on while the server is down
    assert max(e["queued"] for e in shot_events) >= 3                # and the queue grows
    time.sleep(max(0.0, 2.0 - (time.monotonic() - killed_at)))
    env.server.start()
    st.wait_for(is_kind("online"), since=m, timeout=60)
    st.wait_for(lambda e: e["kind"] == "uploaded" and e["page"] == 10, since=m, timeout=90)
    assert_exactly_once(env, shots)
    assert "服务器无法连接" in st.output()
    st.quit()


@pytest.mark.parametrize("crash", ["after_outbox_commit:3", "after_server_answer:3", "random"])
def test_station_killed_mid_run_and_restarted(env: Env, crash: str) -> None:
    """kill -9 between the outbox commit and the file's removal, between the server's 2xx and the outbox
    update, and at a random moment: after a restart every shot is on the server exactly once."""
    st = env.station
    st.start(**({"FOLIO_STATION_CRASH": crash} if crash != "random" else {}))
    open_record(env)
    shots = [page_jpeg(400 + i) for i in range(8)]
    m = st.mark()
    th = dropper(env, shots[:5], 0, 0.35)
    if crash == "random":
        st.wait_for(is_kind("shot"), since=m, count=3, timeout=30)
        time.sleep(0.17)
        st.kill()
    else:
        st.proc.wait(60)                                   # it dies by itself at the crash point
        assert st.proc.returncode == 137
    th.join()
    st.start()                                             # no crash point this time
    assert st.events()[-1]["kind"] in ("ready", "today", "auth", "shot", "uploaded", "disk", "web", "profile",
                                       "online", "offline")
    ready = [e for e in st.events() if e["kind"] == "ready"][-1]
    assert ready["record"] == BARCODE                      # the open record and its numbering survive
    m2 = st.mark()
    th = dropper(env, shots[5:], 5, 0.35)
    th.join()
    st.wait_for(lambda e: e["kind"] == "shot" and e["source"] == "IMG_0007.jpg", since=m2, timeout=30)
    wait_drained(env)
    assert_exactly_once(env, shots)
    assert list(env.hot.glob("*.jpg")) == []
    st.quit()


def wait_drained(env: Env, timeout: float = 60) -> None:
    """Wait until `capture-station status` shows nothing waiting."""
    deadline = time.monotonic() + timeout
    while True:
        r = cli(env.home, "status", "--json")
        if json.loads(r.stdout)["counts"]["queued"] == 0:
            return
        assert time.monotonic() < deadline, r.stdout
        time.sleep(0.5)


def test_half_written_file_is_never_picked_up_early(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    data = page_jpeg(500)
    m = st.mark()
    path = env.hot / "IMG_0001.jpg"
    with open(path, "wb") as fh:                       # the camera software writes half, then stalls
        fh.write(data[: len(data) // 2])
        fh.flush()
        time.sleep(2.5)                                # longer than the settle time and the unreadable warning
        assert [e for e in st.events()[m:] if e["kind"] == "shot"] == []
        # after a long stall the operator is told, but the file is left alone for its writer to finish
        stalled = [e for e in st.events()[m:] if e["kind"] == "unreadable"]
        assert [(e["name"], e["moved_to"]) for e in stalled] == [("IMG_0001.jpg", None)]
        assert path.exists()
        fh.write(data[len(data) // 2:])
    # preallocated at full size, filled in later (some writers do this)
    prealloc = env.hot / "IMG_0002.jpg"
    data2 = page_jpeg(501)
    with open(prealloc, "wb") as fh:
        fh.write(b"\x00" * len(data2))
        fh.flush()
        time.sleep(1.0)
        fh.seek(0)
        fh.write(data2)
    # written under a temporary name, then renamed (ignored until renamed)
    (env.hot / "IMG_0003.jpg.part").write_bytes(page_jpeg(502))
    time.sleep(1.0)
    (env.hot / "IMG_0003.jpg.part").rename(env.hot / "IMG_0003.jpg")
    shots = st.wait_for(is_kind("shot"), since=m, count=3, timeout=30)
    assert [e["source"] for e in shots] == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
    st.wait_for(is_kind("uploaded"), since=m, count=3, timeout=60)
    assert_exactly_once(env, [data, data2, page_jpeg(502)])
    assert not [e for e in st.events()[m:] if e["kind"] == "unreadable" and e["moved_to"]]
    assert not (env.hot / "unreadable").exists()
    st.quit()
