"""Numbering rules of the workflow, and the live screen's content."""

from __future__ import annotations

import io
import time

from rich.console import Console

from capture_station.screen import LiveScreen, ScreenState, big
from capture_station.workflow import Workflow

REC = {"barcode": "00123456-2"}


def test_ordinary_shots_count_up_and_reshoots_do_not() -> None:
    flow = Workflow(record=REC)
    for n in (1, 2, 3):
        assert flow.next_page == n
        flow = flow.after_shot(flow.next_page)
    assert (flow.page_count, flow.last_page) == (3, 3)
    flow.mode, flow.target = "reshoot", 2
    assert flow.next_page == 2
    flow = flow.after_shot(2)
    assert (flow.page_count, flow.mode, flow.next_page, flow.last_page) == (3, "normal", 4, 2)


def test_an_inserted_page_takes_its_slot_and_numbering_goes_on_after_the_last() -> None:
    flow = Workflow(record=REC, page_count=4)
    flow.mode, flow.target, flow.page_count = "insert", 2, 5      # the insert opened slot 2
    assert flow.next_page == 2
    flow = flow.after_shot(2)
    assert flow.next_page == 6


def test_segment_and_blank_apply_to_one_shot_and_state_round_trips() -> None:
    flow = Workflow(record=REC, next_segment="护理记录", next_blank=True)
    after = flow.after_shot(1)
    assert after.next_segment is None and after.next_blank is False
    assert Workflow.from_dict(after.to_dict()) == after
    assert after.known == {'{"barcode": "00123456-2"}': 1}


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
