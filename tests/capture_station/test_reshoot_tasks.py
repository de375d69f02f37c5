"""Re-shoot tasks at the station (issue 15), in process: worded by the station in Chinese and English, listed for
the terminal, shown by the browser screen with the flagged image's thumbnail, and offline the station says it
could not fetch them. (With a real server and a real station process: tests/inspection/test_browser.py.)"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from capture_station.reshoot_tasks import task_lines
from capture_station.screen import ScreenState
from capture_station.webscreen import WebScreen
from tests.capture_station.offline import offline_station
from tests.factories import page_jpeg

TASKS = [
    {"id": 7, "page_id": 70, "page_number": 2, "reason": "blurred", "reason_zh": "图像模糊", "reason_en": "Blurred",
     "note": "印章模糊", "flagged_by": "陈静", "flagged_at": "2026-11-30T02:00:00Z"},
    {"id": 8, "page_id": 80, "page_number": 5, "reason": "smudged", "reason_zh": "污渍", "reason_en": "Smudged",
     "note": None, "flagged_by": "陈静", "flagged_at": "2026-11-30T02:01:00Z"},
]


@pytest.fixture
def station(tmp_path: Path):  # noqa: ANN201
    with offline_station(tmp_path) as (st, events):
        yield st, events


def test_offline_the_station_says_the_tasks_could_not_be_fetched(station) -> None:  # noqa: ANN001
    st, events = station
    st.open_record({"barcode": "00012345-1"})   # nobody signed in: the server is not asked
    kinds = [e["kind"] for e in events]
    assert kinds[-2:] == ["record", "reshoot_tasks"]   # right after the record opens
    told = events[-1]
    assert told["status"] == "unavailable" and told["level"] == "warn" and told["tasks"] == []
    assert "离线：未能获取本病案的补拍任务" in told["text"]
    st.lang = "en"
    st.open_record({"barcode": "00012345-2"})
    assert "could not be fetched" in events[-1]["text"]


def test_tasks_are_listed_in_the_operators_words() -> None:
    zh = task_lines(TASKS, "zh").splitlines()
    assert zh == [
        "本病案有 2 个补拍任务（请先补拍）：",
        "  第 2 页：图像模糊——印章模糊（陈静 标记）  → 输入 r 2 补拍",
        "  第 5 页：污渍（陈静 标记）  → 输入 r 5 补拍",   # a code the station does not know: the server's words
    ]
    en = task_lines(TASKS, "en").splitlines()
    assert en[1] == "  page 2: blurred — 印章模糊 (flagged by 陈静)  → type r 2 to re-shoot"
    assert en[2].startswith("  page 5: Smudged (flagged")
    assert task_lines([], "zh") == ""


def test_the_opened_records_tasks_come_first_and_show_on_the_browser_screen(station) -> None:  # noqa: ANN001
    st, events = station
    state = ScreenState()
    web = WebScreen(state).start()
    st.bus.subscribe(state.update)
    st.bus.subscribe(web.on_event)
    st.reshoot_tasks.thumb_listeners.append(web.on_task_thumb)
    try:
        st.reshoot_tasks._fetch_thumbs = lambda tasks: None  # noqa: SLF001 - no server here: thumbnails come below
        st.reshoot_tasks.opened("00012345-1", 12, {"id": 12, "reshoot_tasks": TASKS})
        told = events[-1]
        assert told["kind"] == "reshoot_tasks" and told["status"] == "ok" and len(told["tasks"]) == 2
        state.update({"kind": "record", "level": "info", "text": "", "ts": 0.0, "record": "00012345-1"})
        web.on_task_thumb(7, page_jpeg(3))
        with httpx.Client(base_url=web.origin, follow_redirects=False) as http:
            r = http.get(web.url)
            cookie = r.headers["set-cookie"].split(";")[0]
            snap = http.get("/api/state", headers={"Cookie": cookie}).json()
            rows = snap["tasks"]["rows"]
            assert snap["tasks"]["heading"] == "补拍任务"
            assert [(r["page"], r["reason"], r["note"], r["by"], r["thumb"]) for r in rows] == [
                ("第 2 页", "图像模糊", "印章模糊", "陈静 标记", True),
                ("第 5 页", "污渍", "", "陈静 标记", False),
            ]
            img = http.get("/img/task/7", headers={"Cookie": cookie})
            assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
            assert http.get("/img/task/8", headers={"Cookie": cookie}).status_code == 404
            web.lang = "en"  # the screen's own language (the terminal keeps its own)
            rows = http.get("/api/state", headers={"Cookie": cookie}).json()["tasks"]["rows"]
            first = (rows[0]["page"], rows[0]["reason"], rows[0]["hint"])
            assert first == ("page 2", "blurred", "type r 2 to re-shoot")
            # another record on screen: its (unknown) tasks are not these
            state.update({"kind": "record", "level": "info", "text": "", "ts": 0.0, "record": "00099999-1"})
            assert http.get("/api/state", headers={"Cookie": cookie}).json()["tasks"]["rows"] == []
    finally:
        web.stop()
