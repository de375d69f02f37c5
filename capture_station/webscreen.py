"""The station's own screen in a browser on the same PC, served on 127.0.0.1 only (standard library http.server).

It shows the last shot large with its verdict (and, for a failure, the reason and the problem region), the
record's page strip, the next page and mode in large type, today's good pages against the quota from the
server, and the queue and server status. Commands typed there (or clicked) go to the run loop exactly as if
typed in the terminal; the terminal keeps working beside it.

Any web page the operator opens could send requests to 127.0.0.1, so: the Host header must be
`127.0.0.1:<port>` (against DNS rebinding); the screen is opened once with a per-run secret, which becomes an
HttpOnly cookie; every state-changing request must also carry the per-run CSRF token (in the page, readable
only by the page itself), come from the screen's own origin, and be JSON. Nothing is served cross-origin (no
CORS headers at all), and the CSP allows no inline script.
"""

from __future__ import annotations

import io
import logging
import queue
import secrets
import threading
from collections import OrderedDict, deque
from http.server import ThreadingHTTPServer
from typing import Any

from capture_station.events import Event
from capture_station.messages import reason_text, t
from capture_station.qcwords import say
from capture_station.reshoot_tasks import screen_rows
from capture_station.screen import ScreenState
from capture_station.webhandler import handler_for

log = logging.getLogger("capture_station.web")
PREVIEW_SIDE, THUMB_SIDE, KEEP_THUMBS = 1400, 220, 80
LABELS = ("operator", "record", "today", "quota", "queue", "rejected", "server", "online_short", "offline_short",
          "strip", "last_shot", "command_hint", "lang_other", "btn_retake", "btn_insert", "btn_delete", "btn_goto",
          "btn_confirm", "btn_cancel", "btn_blank", "btn_segment", "btn_finish", "local_tally", "no_record",
          "closed", "ok", "reshoot", "waiting", "unchecked", "notices", "help", "missing")


class WebScreen:
    """The screen's state beyond ScreenState (page strip, pictures) and its HTTP server."""

    def __init__(self, state: ScreenState, *, port: int = 0) -> None:
        self.state = state
        self.secret = secrets.token_urlsafe(24)
        self.csrf = secrets.token_urlsafe(24)
        self.commands: queue.Queue[tuple[str, str]] = queue.Queue()   # ("line", text) | ("key", F9) | ("lang", zh)
        self._lock = threading.Lock()
        self._pictures: queue.Queue[tuple[int, bytes] | None] = queue.Queue(maxsize=8)
        self._thumbs: OrderedDict[int, bytes] = OrderedDict()
        self._preview: tuple[int, bytes] | None = None
        self.strip: dict[str, dict[int, dict[str, Any]]] = {}          # record -> page -> {seq, verdict, server}
        self.last_regions: list[dict[str, Any]] = []
        # the screen's own language (the terminal keeps its own); lines kept in every language, shown in this one
        self.lang = state.lang
        self.notices: deque[tuple[str, dict[str, str]]] = deque(maxlen=4)
        self.mode_texts: dict[str, str] | None = None
        self.last_texts: dict[str, str] | None = None
        self.reasons: dict[int, list[str]] = {}                         # the last shot's reason codes, by seq
        self.messages: dict[int, list[dict[str, str]]] = {}             # its qc messages (with the figures), by seq
        self._logins: set[str] = set()                                 # one-time addresses not used yet
        self.tasks: dict[str, Any] = {"record": "", "status": "", "tasks": []}   # the open record's re-shoot tasks
        self._task_thumbs: dict[int, bytes] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._threads = [threading.Thread(target=self._server.serve_forever, name="web", daemon=True),
                         threading.Thread(target=self._make_pictures, name="web-pictures", daemon=True)]

    @property
    def url(self) -> str:
        """The address that opens the screen (carries this run's secret)."""
        return f"{self.origin}/?k={self.secret}"

    def one_time_url(self) -> str:
        """An address to print or open: it works once (exchanged for the cookie), then answers 403."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._logins.add(token)
        return f"{self.origin}/?t={token}"

    def use_login(self, token: str) -> bool:
        """True once for each one-time address."""
        with self._lock:
            if token in self._logins:
                self._logins.discard(token)
                return True
        return False

    def start(self) -> WebScreen:
        """Serve in background threads."""
        for th in self._threads:
            th.start()
        return self

    def stop(self) -> None:
        """Stop serving (also when never started)."""
        if self._threads[0].is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._pictures.put(None)

    # -- from the station
    def on_event(self, e: Event) -> None:
        """Keep the page strip in step with shots, inserts, deletes and the server's verdicts, and the lines."""
        kind = e["kind"]
        with self._lock:
            self._lines(e)
            if kind == "record":
                self._load_strip(e)
            elif kind == "shot":
                pages = self.strip.setdefault(e.get("record", ""), {})
                if e.get("insert"):
                    self._shift(pages, e["page"], +1)
                pages[e["page"]] = {"seq": e["seq"], "verdict": e["verdict"], "server": None,
                                    "reasons": e.get("reasons", [])}
                self.last_regions = list(e.get("regions") or [])
                self.reasons = {e["seq"]: list(e.get("reasons") or [])}
                self.messages = {e["seq"]: list(e.get("messages") or [])}
            elif kind == "reshoot_tasks":
                self.tasks = {k: e.get(k) for k in ("record", "status", "tasks")}
            elif kind == "deleted":
                self._shift(self.strip.setdefault(e.get("record", ""), {}), e["page"], -1)
            elif kind == "uploaded":
                for pages in self.strip.values():
                    for p in pages.values():
                        if p["seq"] == e.get("seq"):
                            p["server"] = e.get("verdict")
                if e.get("seq") in self.reasons and e.get("verdict") == "fail":
                    server = list(e.get("reasons") or [])
                    if server != self.reasons[e["seq"]]:  # another verdict: its codes, in the station's words
                        self.messages[e["seq"]] = []
                    self.reasons[e["seq"]] = server

    def _lines(self, e: Event) -> None:
        """The messages and mode line as ScreenState keeps them, but in every language."""
        kind, texts = e["kind"], e.get("texts") or {"zh": e.get("text", ""), "en": e.get("text", "")}
        if kind in ("mode", "deleted", "finish_queued"):
            self.mode_texts = texts
        elif kind == "shot":
            self.last_texts = texts
            self.mode_texts = None
        elif kind in ("record", "record_refused"):
            self.mode_texts = None
        if kind in _NO_NOTICE or not e.get("text") or (kind == "uploaded" and e.get("verdict") == "pass"):
            return
        self.notices.appendleft(("ok" if kind in ("online", "login") else e["level"], texts))

    def _load_strip(self, e: Event) -> None:
        """A record opened: its strip shows all its pages (from the server, or the station's own count), keeping
        this run's thumbnails where the page number still holds the same shot."""
        pages = self.strip.setdefault(e.get("record", ""), {})
        known = {int(n): v for n, v in (e.get("pages") or {}).items()}
        online = bool(e.get("online"))
        loaded = {}
        for n in range(1, int(e.get("page_count") or 0) + 1):
            verdict = known.get(n, "pass")
            old = pages.get(n)
            if old is not None and old["verdict"] == verdict:
                loaded[n] = old
            else:
                loaded[n] = {"seq": None, "verdict": verdict, "server": verdict if online else None, "reasons": []}
        pages.clear()
        pages.update(loaded)

    @staticmethod
    def _shift(pages: dict[int, dict[str, Any]], page: int, by: int) -> None:
        moved = {}
        for n, p in pages.items():
            if by < 0 and n == page:
                continue
            moved[n + by if (n >= page if by > 0 else n > page) else n] = p
        pages.clear()
        pages.update(moved)

    def on_task_thumb(self, task_id: int, data: bytes) -> None:
        """The flagged image of a re-shoot task (a small JPEG from the server)."""
        with self._lock:
            self._task_thumbs[task_id] = data
            while len(self._task_thumbs) > KEEP_THUMBS:
                self._task_thumbs.pop(next(iter(self._task_thumbs)))

    def on_picture(self, seq: int, data: bytes) -> None:
        """A shot's bytes (not copied): its preview and thumbnail are made in a thread of their own."""
        try:
            self._pictures.put_nowait((seq, data))
        except queue.Full:
            pass  # the screen falls behind rather than the station: this shot shows without a picture

    def _make_pictures(self) -> None:
        from PIL import Image

        while (job := self._pictures.get()) is not None:
            while True:   # shots faster than pictures: the latest wins, the skipped ones show without a thumbnail
                try:
                    newer = self._pictures.get_nowait()
                except queue.Empty:
                    break
                if newer is None:
                    return
                job = newer
            seq, data = job
            try:
                with Image.open(io.BytesIO(data)) as im:
                    if min(im.size) >= 2400:   # JPEG: decode at 1/8 scale straight from the file (~500 px)
                        im.draft("RGB", (im.width // 8, im.height // 8))
                    im = im.convert("RGB")
                    im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
                    preview = _jpeg(im, 80)
                    im.thumbnail((THUMB_SIDE, THUMB_SIDE))
                    thumb = _jpeg(im, 70)
            except Exception:  # noqa: BLE001 - an odd picture must not stop the screen
                log.exception("no preview for item %s", seq)
                continue
            with self._lock:
                self._preview = (seq, preview)
                self._thumbs[seq] = thumb
                while len(self._thumbs) > KEEP_THUMBS:
                    self._thumbs.popitem(last=False)

    # -- for the page
    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data in the screen's language."""
        s = self.state
        lang = self.lang
        with s.lock:
            good, quota, from_server = s.today_line()
            last = s.last
            data: dict[str, Any] = {
                "lang": lang, "operator": s.operator, "record": s.record, "record_open": s.record_open,
                "next_page": s.next_page, "mode": s.mode,
                "next_text": _next_text(s, lang), "today": {"good": good, "quota": quota, "server": from_server},
                "queued": s.queued, "rejected": s.rejected, "offline": s.offline, "paused": bool(s.paused),
                "last": None if last is None else {
                    "seq": last.seq, "page": last.page, "record": last.record, "local": last.local,
                    "server": last.server},
                "input_hint": s.input_hint,
            }
        with self._lock:
            data["mode_text"] = (self.mode_texts or {}).get(lang, "")
            data["notices"] = [{"level": lv, "text": tx.get(lang, "")} for lv, tx in self.notices]
            if data["last"] is not None:
                data["last"]["text"] = (self.last_texts or {}).get(lang, "")
                seq = data["last"]["seq"]
                data["last"]["reasons"] = reason_text(self.messages.get(seq) or None, self.reasons.get(seq), lang)
            pages = self.strip.get(data["record"], {})
            gap = {"seq": None, "verdict": "missing", "server": None}   # a number with no image shows as missing
            data["strip"] = [{"page": n, **{k: p[k] for k in gap}, "thumb": p["seq"] in self._thumbs}
                             for n in range(1, max(pages, default=0) + 1) for p in [pages.get(n, gap)]]
            data["preview_seq"] = self._preview[0] if self._preview else None
            data["regions"] = self.last_regions
            tasks = self.tasks if self.tasks["record"] == data["record"] else {"status": "", "tasks": []}
            data["tasks"] = {"status": tasks["status"], "heading": say("tasks_heading", lang),
                             "unavailable": say("tasks_unavailable", lang) if tasks["status"] == "unavailable" else "",
                             "rows": screen_rows(tasks["tasks"] or [], lang, self._task_thumbs.__contains__)}
        data["labels"] = {k: t(f"web_{k}", lang) for k in LABELS}
        return data

    def picture(self, kind: str, seq: int) -> bytes | None:
        """A preview (the latest shot only) or a thumbnail, as JPEG bytes."""
        with self._lock:
            if kind == "preview":
                return self._preview[1] if self._preview and self._preview[0] == seq else None
            if kind == "task":
                return self._task_thumbs.get(seq)
            return self._thumbs.get(seq)


_NO_NOTICE = {"shot", "finish_queued", "deleted", "offline", "logout", "disk", "today", "mode"}


def _jpeg(im: Any, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _next_text(s: ScreenState, lang: str) -> str:
    if not s.record_open:
        return t("scan_next_record", lang) if s.record else t("no_record", lang)
    if s.mode == "retake":
        return t("retake_next", lang, n=s.next_page)
    if s.mode == "insert":
        return t("next_insert", lang, n=s.next_page)
    return t("next_page", lang, n=s.next_page)
