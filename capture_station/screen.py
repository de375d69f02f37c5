"""The live screen (rich): readable from a metre away. Also the plain line log used without a terminal."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from rich.align import Align
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from capture_station.events import Event
from capture_station.messages import reason_text, t

# A 5-row block font for the big numbers (page, today's count).
_GLYPHS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"], "1": [" █ ", "██ ", " █ ", " █ ", "███"],
    "2": ["███", "  █", "███", "█  ", "███"], "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"], "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"], "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"], "9": ["███", "█ █", "███", "  █", "███"],
    "/": ["  █", "  █", " █ ", "█  ", "█  "],
    "✔": ["    █", "   █ ", "█ █  ", " █   ", "     "], "✘": ["█   █", " █ █ ", "  █  ", " █ █ ", "█   █"],
    " ": ["   "] * 5, "-": ["   ", "   ", "███", "   ", "   "],
}


def big(text: str) -> str:
    """`text` (digits, '/', '-', ' ') in the 5-row block font."""
    rows = ["", "", "", "", ""]
    for ch in text:
        glyph = _GLYPHS.get(ch, _GLYPHS[" "])
        for i in range(5):
            rows[i] += glyph[i] + " "
    return "\n".join(rows)


@dataclass
class Recent:
    """One line of the recent-verdicts table."""

    seq: int
    at: float
    record: str
    page: int
    local: str
    server: str | None = None
    reasons: str = ""


@dataclass
class ScreenState:
    """What the screen shows, kept up to date from events (any thread)."""

    lang: str = "zh"
    operator: str = ""
    station_id: int | None = None
    source: str = ""
    record: str = ""
    page_count: int = 0
    record_open: bool = False
    next_page: int = 1
    mode: str = "append"                 # append | retake | insert: what the next shot does
    mode_text: str = ""
    last: Recent | None = None
    last_text: str = ""
    last_level: str = "info"
    queued: int = 0
    rejected: int = 0
    offline: bool = False
    paused: str = ""
    disk: str = ""
    today_good: int | None = None        # from the server; None until it answered
    quota: int | None = None
    today_at: float | None = None
    local_good_today: int = 0
    recent: deque[Recent] = field(default_factory=lambda: deque(maxlen=8))
    notices: deque[tuple[float, str, str]] = field(default_factory=lambda: deque(maxlen=4))
    input_line: str = ""
    input_hint: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self, e: Event) -> None:
        """Apply one event."""
        with self.lock:
            self._apply(e)

    def _apply(self, e: Event) -> None:  # noqa: C901 - one branch per event kind is the clearest form
        kind = e["kind"]
        if isinstance(e.get("queued"), int) and e["queued"] >= 0:
            self.queued = e["queued"]
        if isinstance(e.get("next_page"), int):
            self.next_page, self.mode = e["next_page"], e.get("mode") or "append"
        if kind == "shot":
            if e.get("insert"):
                self._renumber(e.get("record", ""), e["page"], +1)
            r = Recent(e["seq"], e["ts"], e.get("record", ""), e["page"], e["verdict"],
                       reasons=reason_text(None, e.get("reasons"), self.lang))
            self.recent.appendleft(r)
            self.last, self.last_text, self.last_level = r, e["text"], e["level"]
            self.mode_text = t("retake_next", self.lang, n=self.next_page) if self.mode == "retake" else ""
        elif kind == "uploaded":
            for r in self.recent:
                if r.seq == e["seq"]:
                    r.server = e.get("verdict")
                    if e.get("verdict") != "pass":
                        r.reasons = reason_text(None, e.get("reasons"), self.lang)
            if e.get("verdict") == "pass" and not e.get("replayed"):
                self.local_good_today += 1
            if e.get("verdict") != "pass":
                self.notices.appendleft((e["ts"], "error", e["text"]))
            if self.paused in ("operator_session_expired", "bad_station_token", "endpoint_missing"):
                self.paused = ""
        elif kind == "record":
            self.record, self.page_count = e.get("record", ""), e.get("page_count", 0)
            self.record_open, self.mode_text = True, ""
            self.notices.appendleft((e["ts"], e["level"], e["text"]))
        elif kind == "record_refused":
            self.record, self.record_open, self.mode_text = "", False, ""
            self.notices.appendleft((e["ts"], "error", e["text"]))
        elif kind == "finish_queued":
            self.record_open, self.mode_text = False, e["text"]
        elif kind == "deleted":
            self._renumber(e.get("record", ""), e["page"], -1)
            self.mode_text = e["text"]
        elif kind == "offline":
            self.offline = True
        elif kind == "online":
            self.offline = False
            self.notices.appendleft((e["ts"], "ok", e["text"]))
        elif kind == "auth":
            self.paused = e.get("code", "auth")
            self.notices.appendleft((e["ts"], "error", e["text"]))
        elif kind == "login":
            self.operator, self.paused = e.get("display_name") or e.get("username", ""), ""
            self.notices.appendleft((e["ts"], "ok", e["text"]))
        elif kind == "logout":
            self.operator = ""
        elif kind == "rejected":
            self.rejected += 1
            self.notices.appendleft((e["ts"], "error", e["text"]))
        elif kind == "disk":
            self.disk = e["text"] if e.get("disk_level") != "ok" else ""
        elif kind == "today":
            self.today_good, self.quota, self.today_at = e.get("good_pages"), e.get("quota"), e["ts"]
        elif kind == "mode":
            self.mode_text = e["text"]
        elif e.get("text"):
            self.notices.appendleft((e["ts"], e["level"], e["text"]))

    def _renumber(self, record: str, page: int, by: int) -> None:
        """Keep the recent list's page numbers true after an insert (+1 from page) or a delete (-1 after page)."""
        for r in list(self.recent):
            if r.record != record:
                continue
            if by < 0 and r.page == page:
                self.recent.remove(r)
            elif (by > 0 and r.page >= page) or (by < 0 and r.page > page):
                r.page += by

    def today_line(self) -> tuple[int, int, bool]:
        """(good pages, quota, from the server): the server's count, or the local tally as a labelled fallback."""
        if self.today_good is not None:   # the server's last answer (offline, no upload can change it)
            return self.today_good, self.quota or 3000, True
        return max(self.local_good_today, self.today_good or 0), self.quota or 3000, False


_LEVEL_STYLE = {"ok": "bold green", "info": "white", "warn": "bold yellow", "error": "bold red"}


class LiveScreen:
    """Draws a ScreenState with rich."""

    def __init__(self, state: ScreenState, console: Console | None = None) -> None:
        self.state = state
        self.console = console or Console()

    def __rich__(self) -> RenderableType:
        with self.state.lock:
            return self._render()

    def _render(self) -> RenderableType:
        s, lang = self.state, self.state.lang
        # header: operator, station, server
        net = Text(f"● {t('server', lang)}", style="bold red" if s.offline else "bold green")
        if s.offline:
            net.append(" ✖", style="bold red")
        header = Table.grid(expand=True)
        header.add_column(ratio=2)
        header.add_column(ratio=2)
        header.add_column(justify="right", ratio=1)
        rec = s.record if s.record_open else (f"{s.record} ({t('closed', lang)})" if s.record else t("no_record", lang))
        header.add_row(Text(f"{t('operator', lang)}: {s.operator or '—'}", style="bold"),
                       Text(f"{t('record', lang)}: {rec}", style="bold cyan"), net)

        # the big verdict
        if s.last is None:
            verdict = Panel(Align.center(Text(t("no_record", lang) if not s.record else "…", style="bold")),
                            height=9)
        else:
            r = s.last
            failed = r.local == "fail" or r.server == "fail"
            colour = "red" if failed else ("green" if r.local == "pass" or r.server == "pass" else "blue")
            word = t("reshoot", lang) if failed else t("ok", lang) if colour == "green" else t("unchecked", lang)
            body = Table.grid(expand=True)
            body.add_column(ratio=1)
            body.add_column(ratio=2)
            mark = "✘" if failed else "✔" if colour == "green" else " "
            body.add_row(Text(big(f"{r.page} {mark}"), style=f"bold white on {colour}"),
                         Group(Text(f"  {word}", style=f"bold white on {colour}"),
                               Text(f"  {r.reasons}" if failed else "", style=f"bold white on {colour}"),
                               Text(""),
                               Text(f"  {t('local', lang)}: {_v(r.local, lang)}   "
                                    f"{t('server', lang)}: {_v(r.server, lang)}", style=f"white on {colour}")))
            verdict = Panel(body, style=f"on {colour}", height=9)

        # numbers: queue, today
        nums = Table.grid(expand=True, padding=(0, 2))
        nums.add_column(ratio=1)
        nums.add_column(ratio=1)
        good, quota, from_server = s.today_line()
        label = t("today", lang) if from_server else f"{t('today', lang)} ({t('local_tally', lang)})"
        today = Group(Text(f"{label}  {good} / {quota}", style="bold" if from_server else "bold yellow"),
                      ProgressBar(total=quota, completed=min(good, quota), width=40))
        qstyle = "bold red" if s.offline or s.paused else ("bold yellow" if s.queued > 20 else "bold")
        queue = Text(f"{t('queue', lang)}: {s.queued}", style=qstyle)
        if s.rejected:
            queue.append(f"   {t('rejected', lang)}: {s.rejected}", style="bold red")
        nums.add_row(today, queue)

        parts: list[RenderableType] = [header, verdict, nums]
        if s.record_open:
            nxt = t("retake_next", lang, n=s.next_page) if s.mode == "retake" else \
                t("next_insert", lang, n=s.next_page) if s.mode == "insert" else t("next_page", lang, n=s.next_page)
            parts.append(Text(nxt, style="bold white on red" if s.mode == "retake" else "bold cyan"))
        if s.mode_text:
            parts.append(Text(f"» {s.mode_text}", style="bold magenta"))
        for warn in (t("offline", lang, queued=s.queued) if s.offline else "", s.disk,
                     _paused_text(s.paused, lang)):
            if warn:
                parts.append(Text(f"⚠ {warn}", style="bold yellow on dark_red"))

        recent = Table(expand=True, show_edge=False, box=None)
        for col in (t("time", lang), t("record", lang), "页" if lang == "zh" else "page", t("local", lang),
                    t("server", lang), ""):
            recent.add_column(col)
        for r in list(s.recent)[:6]:
            recent.add_row(datetime.fromtimestamp(r.at).strftime("%H:%M:%S"), r.record, str(r.page),
                           _v(r.local, lang), _v(r.server, lang), r.reasons)
        parts.append(Panel(recent, title=t("recent", lang)))
        for ts, level, text in list(s.notices)[:3]:
            parts.append(Text(f"{datetime.fromtimestamp(ts):%H:%M:%S} {text}", style=_LEVEL_STYLE.get(level, "")))
        parts.append(Text(f"> {s.input_line}{s.input_hint}▏", style="bold"))
        parts.append(Text(t("help", lang) + ("   " + t("help_camera", lang) if s.source == "camera" else ""),
                          style="dim"))
        return Group(*parts)


def _v(verdict: str | None, lang: str) -> Text:
    if verdict == "pass":
        return Text("✔ " + t("ok", lang), style="bold green")
    if verdict == "fail":
        return Text("✘ " + t("reshoot", lang), style="bold red")
    if verdict is None:
        return Text("… " + t("waiting", lang), style="dim")
    return Text(t("unchecked", lang), style="dim")


def _paused_text(code: str, lang: str) -> str:
    if not code:
        return ""
    key = {"bad_station_token": "bad_station_token", "role_not_allowed": "role_not_allowed",
           "endpoint_missing": "endpoint_missing"}.get(code, "session_expired")
    return t(key, lang)


class PlainLog:
    """One line per event with a text, for a console without a live screen (and for tests)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()

    def __call__(self, e: Event) -> None:
        if not e.get("text"):
            return
        stamp = time.strftime("%H:%M:%S", time.localtime(e["ts"]))
        mark = {"ok": "✔", "warn": "⚠", "error": "✘"}.get(e["level"], "·")
        bell = "\a" if e.get("bell") else ""
        with self._lock:
            try:
                self.out.write(f"{bell}{stamp} {mark} {e['text']}\n")
                self.out.flush()
            except (OSError, ValueError, UnicodeEncodeError):
                pass


def bell(console: Console, e: Any) -> None:
    """Ring the terminal bell for a failure."""
    if e.get("bell"):
        console.bell()
