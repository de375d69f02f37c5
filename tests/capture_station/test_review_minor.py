"""Issue 12's review, the smaller holes: the browser screen's language is its own and re-renders earlier lines,
its strip shows the whole record when it opens, the printed address works (once), `status` shows today's page
numbers after a delete, and the login prompt is worded."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from capture_station.events import EventBus
from capture_station.messages import server_error_text, t
from capture_station.outbox import Outbox
from capture_station.screen import ScreenState
from capture_station.webscreen import WebScreen
from tests.capture_station.harness import cli


class _Refusal:
    status, code = 409, "page_has_good_image"


def _screen() -> tuple[EventBus, ScreenState, WebScreen]:
    bus, state = EventBus(), ScreenState(lang="zh")
    web = WebScreen(state)
    bus.subscribe(state.update)
    bus.subscribe(web.on_event)
    return bus, state, web


def test_switching_the_browser_screen_to_english_re_renders_its_lines_and_leaves_the_terminal() -> None:
    bus, state, web = _screen()
    try:
        bus.emit("record", "ok", t("record_opened", "zh", label="00123456-2", next=1), record="00123456-2",
                 page_count=0, next_page=1, online=True, pages={})
        bus.emit("mode", "info", t("mode_reshoot", "zh", n=1), next_page=1, mode="retake", code="mode_reshoot")
        bus.emit("rejected", "error", t("rejected_item", "zh", page=1, record="00123456-2", file="/x",
                                        detail=server_error_text(_Refusal(), "zh")))
        web.lang = "en"
        snap = web.snapshot()
        assert snap["lang"] == "en" and snap["mode_text"] == "next shot re-shoots page 1"
        assert [n["text"] for n in snap["notices"]] == [
            "the server refused page 1 (00123456-2): the server already has a good image of this page; not "
            "overwritten (the page numbers disagree with the server: check this record's pages); the file is "
            "kept at /x",
            "Record 00123456-2 open; next: page 1"]
        assert not any("\u4e00" <= ch <= "\u9fff" for n in snap["notices"] for ch in n["text"])
        assert state.lang == "zh" and state.notices[0][2].startswith("服务器拒绝了第 1 页")   # the terminal
    finally:
        web.stop()


def test_the_strip_shows_the_records_pages_when_it_opens() -> None:
    bus, _state, web = _screen()
    try:
        bus.emit("record", "ok", "", record="00123456-2", page_count=4, next_page=5, online=True,
                 pages={1: "pass", 2: "fail", 3: "pass", 4: "pass"})
        strip = web.snapshot()["strip"]
        assert [(p["page"], p["verdict"], p["server"], p["thumb"]) for p in strip] == [
            (1, "pass", "pass", False), (2, "fail", "fail", False), (3, "pass", "pass", False),
            (4, "pass", "pass", False)]
    finally:
        web.stop()


def test_the_printed_address_opens_the_screen_once() -> None:
    _bus, _state, web = _screen()
    web.start()
    try:
        url = web.one_time_url()
        with httpx.Client(headers={"Host": f"127.0.0.1:{web.port}"}) as http:
            first = http.get(url)
            assert first.status_code == 303 and "folio_station=" in first.headers["set-cookie"]
            assert http.get(url).status_code == 403                # used: a copied address is worth nothing
            assert http.get(f"{web.origin}/").status_code == 200     # the cookie it gave opens the screen
    finally:
        web.stop()


def test_status_shows_the_page_numbers_after_a_delete(tmp_path: Path) -> None:
    home = tmp_path / "st"
    box = Outbox(home / "data" / "outbox.sqlite3", home / "data" / "outbox")
    rec = {"barcode": "00123456-2"}
    for n in (1, 2, 3, 4):
        box.add_upload(data=b"x" * 10, ext=".jpg", record=rec, page_number=n, operator="op")
    box.add_operation("delete", record=rec, operator="op", page_number=2)
    box.add_upload(data=b"y" * 10, ext=".jpg", record=rec, page_number=1, operator="op", params={"insert": True})
    box.close()
    report = json.loads(cli(home, "status", "--json").stdout)
    assert [r["page"] for r in report["recent"]] == [1, 4, 3, None, 2]      # newest first
    text = cli(home, "status").stdout
    assert "（已删除的页）" in text and "第 （" not in text and "第 4 页" in text and "None" not in text


def test_the_login_prompt_is_worded(tmp_path: Path) -> None:
    home = tmp_path / "st"
    r = cli(home, "setup", "--server", "http://127.0.0.1:9", "--token", "fst_x", "--hot-folder", str(tmp_path),
            "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli(home, "login", "--password-stdin", input="op\npw\n")
    assert "用户名: " in r.stdout and "user name" not in r.stdout
