"""Issue 12, defect 6: no English reaches the Chinese screen — the station's own texts, the server's refusals
(sent as codes, worded by the station), file problems, and everything a real station shows in a rough session."""

from __future__ import annotations

import re
import time

import pytest

from capture_station.client import ApiError
from capture_station.messages import FILE_REASONS, SERVER_ERRORS, TEXTS, file_reason, server_error_text
from tests.capture_station.conftest import Env
from tests.capture_station.harness import cli
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.capture_station.test_e2e_workflow import shoot
from tests.factories import page_jpeg

# Words that stay as they are on a Chinese screen: commands to type, program and format names, units, and the
# button that switches to English (it names the language it switches to).
ALLOWED = {"capture-station", "setup", "login", "folio", "station", "add", "token", "server", "hot-folder",
           "JPEG", "PNG", "TIFF", "English", "AppData", "qc", "set", "MB", "GB", "KB", "TB", "URL", "http", "https",
           "Enter"}
_DATA = re.compile(r"\S*[/\\]\S*|\S+\.(?:jpg|jpeg|png|tiff?|json|log)\b|\{[a-z_]+(?::[^}]*)?\}|[A-Z0-9][A-Z0-9_-]*\d\S*"
                   r"|(?<![A-Za-z])[A-Za-z](?![A-Za-z])")


def english_words(text: str, data: tuple[str, ...] = ()) -> list[str]:
    """English words left in `text` once data (names, paths, codes, single command letters) is taken out."""
    for value in data:
        text = text.replace(value, " ")
    text = _DATA.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z-]+", text) if w not in ALLOWED]


def test_the_check_itself_finds_english() -> None:
    assert english_words("服务器拒绝该病案号 X：record cannot be captured") == ["record", "cannot", "be", "captured"]
    assert english_words("已保存 /tmp/a/config.json；下一步：capture-station login；按 y 确认") == []


@pytest.mark.parametrize("table", [TEXTS, SERVER_ERRORS, FILE_REASONS], ids=["texts", "server_errors", "files"])
def test_every_chinese_text_of_the_station_is_chinese(table: dict[str, tuple[str, str]]) -> None:
    bad = {key: english_words(zh) for key, (zh, _en) in table.items() if english_words(zh)}
    assert bad == {}


def test_server_refusals_and_file_problems_are_worded_by_the_station() -> None:
    detail = "record 1/1 cannot be captured: its paper has not been checked out"
    for code in ("record_not_checked_out", "some_future_code", "bad_record_identity"):
        text = server_error_text(ApiError(409, code, detail), "zh")
        assert "checked out" not in text and english_words(text, (code,)) == []
    down = ApiError(0, "unreachable", "cannot reach the server: [Errno 111]")
    assert server_error_text(down, "zh") == "服务器无法连接"
    for reason in ("not a complete JPEG/PNG/TIFF image", "empty file", "corrupt: the JPEG is truncated", "odd"):
        assert english_words(file_reason(reason, "zh")) == []


def test_a_rough_session_shows_no_english_on_the_chinese_screen(env: Env) -> None:
    st = env.station.start()
    m = st.mark()
    st.send("NOT-A-RECORD")                                                # refused by the server
    st.wait_for(is_kind("record_refused"), since=m)
    open_record(env)
    st.drop("IMG_0001.jpg", b"this is a text file named .jpg" * 50)         # never becomes an image
    st.wait_for(is_kind("unreadable"), since=m, timeout=20)
    shoot(env, "IMG_0002.jpg", page_jpeg(970, blur=4.0))                   # failed: re-shot in place
    shoot(env, "IMG_0003.jpg", page_jpeg(971))
    for line in ("p 1", "x", "i 1", "x", "d 99", "r 42", "y", "hello there", "f 1"):
        st.send(line)
    st.wait_for(is_kind("finished"), since=m, timeout=60)
    st.send(f"login {env.prov.username} wrong-password")
    st.wait_for(is_kind("login_failed"), since=m, timeout=30)
    st.quit()
    st.start()                                                             # the text file is not announced again
    m2 = st.mark()
    open_record(env)
    st.drop("IMG_0009.jpg", page_jpeg(972))                                # a later file still goes through
    st.wait_for(is_kind("shot"), since=m2, timeout=30)
    time.sleep(3.0)
    assert [e for e in st.events()[m2:] if e["kind"] == "unreadable"] == []
    st.quit()

    data = (BARCODE, "NOT-A-RECORD", env.prov.username, "hello there", str(env.home), str(env.hot),
            env.prov.station_token[:8])
    texts = [e["text"] for e in st.events() if e.get("text")]
    assert {e["kind"] for e in st.events()} >= {"record_refused", "unreadable", "shot", "mode", "error", "finished"}
    bad = [(text, english_words(text, data)) for text in texts if english_words(text, data)]
    assert bad == []
    console = [line for line in st.output().splitlines() if line.strip()]
    assert console and [line for line in console if english_words(line, data)] == []
    for args in (("status",), ("logout",)):
        out = cli(env.home, *args)
        assert out.returncode == 0 and english_words(out.stdout + out.stderr, data) == [], out.stdout
