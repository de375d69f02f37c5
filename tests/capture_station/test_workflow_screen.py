"""The live screen's content (the numbering rules are in test_numbering.py)."""

from __future__ import annotations

import io
import time

from rich.console import Console

from capture_station.screen import LiveScreen, ScreenState, big

REC = {"barcode": "00123456-2"}


def render(state: ScreenState) -> str:
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    console.print(LiveScreen(state, console))
    return console.export_text()


def test_the_screen_shows_verdict_record_counts_and_queue_in_chinese() -> None:
    state = ScreenState(operator="张敏", record="00123456-2")
    now = time.time()
    state.update({"kind": "today", "level": "info", "text": "", "ts": now, "good_pages": 1234, "quota": 3000})
    state.update({"kind": "shot", "level": "error", "text": "第 17 页 请补拍", "ts": now, "seq": 5, "page": 17,
                  "record": "00123456-2", "verdict": "fail", "reasons": ["blur"], "queued": 4})
    state.update({"kind": "offline", "level": "warn", "text": "x", "ts": now, "queued": 4})
    text = render(state)
    for expected in ("张敏", "00123456-2", "请补拍", "图像模糊", "今日合格  1234 / 3000", "待上传: 4",
                     "服务器无法连接"):
        assert expected in text, expected
    assert big("17 ✘").splitlines()[0] in text                        # the page number in big digits
    state.update({"kind": "uploaded", "level": "ok", "text": "", "ts": now, "seq": 5, "verdict": "fail",
                  "reasons": ["blur"], "queued": 3})
    assert "待上传: 3" in render(state)


def test_english_screen() -> None:
    state = ScreenState(lang="en")
    state.update({"kind": "shot", "level": "ok", "text": "", "ts": time.time(), "seq": 1, "page": 1, "record": "R",
                  "verdict": "pass", "reasons": [], "queued": 1})
    text = render(state)
    assert "OK" in text and "waiting to upload: 1" in text


def test_recent_list_follows_inserts_and_deletes_and_the_next_retake_is_shown_large() -> None:
    state = ScreenState(record="R", record_open=True)
    now = time.time()
    for seq, page in enumerate((1, 2, 3), start=1):
        state.update({"kind": "shot", "level": "ok", "text": "", "ts": now, "seq": seq, "page": page, "record": "R",
                      "verdict": "pass", "reasons": [], "next_page": page + 1, "mode": "append"})
    state.update({"kind": "shot", "level": "ok", "text": "", "ts": now, "seq": 4, "page": 2, "record": "R",
                  "verdict": "fail", "reasons": ["blur"], "insert": True, "next_page": 2, "mode": "retake"})
    assert [(r.seq, r.page) for r in state.recent] == [(4, 2), (3, 4), (2, 3), (1, 1)]
    assert "下一张重拍第 2 页" in render(state)
    state.update({"kind": "deleted", "level": "info", "text": "", "ts": now, "page": 3, "record": "R",
                  "next_page": 4, "mode": "append"})
    assert [(r.seq, r.page) for r in state.recent] == [(4, 2), (3, 3), (1, 1)]
    assert "下一张：第 4 页" in render(state)


def test_todays_count_is_the_servers_and_the_local_tally_is_labelled_as_such() -> None:
    state = ScreenState()
    now = time.time()
    state.update({"kind": "uploaded", "level": "ok", "text": "", "ts": now, "seq": 1, "verdict": "pass"})
    assert "今日合格 (本地统计，服务器未连接)  1 / 3000" in render(state)
    state.update({"kind": "today", "level": "info", "text": "", "ts": now, "good_pages": 27, "quota": 2500})
    assert "今日合格  27 / 2500" in render(state)
    state.update({"kind": "offline", "level": "warn", "text": "x", "ts": now})
    assert "今日合格  27 / 2500" in render(state)     # nothing uploads while offline: the server's count stands
