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

import hmac
import io
import json
import logging
import queue
import secrets
import threading
from collections import OrderedDict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from capture_station.events import Event
from capture_station.messages import reason_text, t
from capture_station.screen import ScreenState

log = logging.getLogger("capture_station.web")
ASSETS = Path(__file__).parent / "webassets"
COOKIE = "folio_station"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}
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
        self._logins: set[str] = set()                                 # one-time addresses not used yet
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
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
            elif kind == "deleted":
                self._shift(self.strip.setdefault(e.get("record", ""), {}), e["page"], -1)
            elif kind == "uploaded":
                for pages in self.strip.values():
                    for p in pages.values():
                        if p["seq"] == e.get("seq"):
                            p["server"] = e.get("verdict")
                if e.get("seq") in self.reasons and e.get("verdict") == "fail":
                    self.reasons[e["seq"]] = list(e.get("reasons") or [])

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
                data["last"]["reasons"] = reason_text(None, self.reasons.get(data["last"]["seq"]), lang)
            pages = self.strip.get(data["record"], {})
            gap = {"seq": None, "verdict": "missing", "server": None}   # a number with no image shows as missing
            data["strip"] = [{"page": n, **{k: p[k] for k in gap}, "thumb": p["seq"] in self._thumbs}
                             for n in range(1, max(pages, default=0) + 1) for p in [pages.get(n, gap)]]
            data["preview_seq"] = self._preview[0] if self._preview else None
            data["regions"] = self.last_regions
        data["labels"] = {k: t(f"web_{k}", lang) for k in LABELS}
        return data

    def picture(self, kind: str, seq: int) -> bytes | None:
        """A preview (the latest shot only) or a thumbnail, as JPEG bytes."""
        with self._lock:
            if kind == "preview":
                return self._preview[1] if self._preview and self._preview[0] == seq else None
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


def _handler(web: WebScreen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "folio-station"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            log.debug("web %s", format % args)

        # -- checks
        def _host_ok(self) -> bool:
            return self.headers.get("Host", "") == f"127.0.0.1:{web.port}"

        def _cookie_ok(self) -> bool:
            for part in self.headers.get("Cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE and hmac.compare_digest(value, web.secret):
                    return True
            return False

        def _post_ok(self) -> bool:
            origin = self.headers.get("Origin")
            site = self.headers.get("Sec-Fetch-Site")
            return (self._cookie_ok()
                    and hmac.compare_digest(self.headers.get("X-CSRF-Token", ""), web.csrf)
                    and (origin is None or origin == web.origin)
                    and (site is None or site == "same-origin")
                    and self.headers.get("Content-Type", "").split(";")[0].strip() == "application/json")

        # -- answers
        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

        def _refuse(self, status: int, code: str) -> None:
            self._json(status, {"error": code})

        # -- routes
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self._host_ok():
                return self._refuse(421, "wrong_host")
            url = urlsplit(self.path)
            key = parse_qs(url.query).get("k", [""])[0]
            once = parse_qs(url.query).get("t", [""])[0]
            if url.path == "/" and (key or once):
                if not (web.use_login(once) if once else hmac.compare_digest(key, web.secret)):
                    return self._refuse(403, "bad_secret")
                cookie = f"{COOKIE}={web.secret}; HttpOnly; SameSite=Strict; Path=/"
                return self._send(303, b"", "text/plain", {"Location": "/", "Set-Cookie": cookie})
            if not self._cookie_ok():
                return self._refuse(403, "open_from_station")
            if url.path == "/":
                page = (ASSETS / "index.html").read_text(encoding="utf-8").replace("{{csrf}}", web.csrf)
                return self._send(200, page.encode(), _TYPES[".html"])
            if url.path.startswith("/assets/"):
                name = url.path.removeprefix("/assets/")
                path = ASSETS / name
                if "/" in name or ".." in name or path.suffix not in _TYPES or not path.is_file():
                    return self._refuse(404, "not_found")
                return self._send(200, path.read_bytes(), _TYPES[path.suffix])
            if url.path == "/api/state":
                return self._json(200, web.snapshot())
            if url.path.startswith(("/img/preview/", "/img/thumb/")):
                kind, _, seq = url.path.removeprefix("/img/").partition("/")
                body = web.picture(kind, int(seq)) if seq.isdigit() else None
                if body is None:
                    return self._refuse(404, "not_found")
                return self._send(200, body, "image/jpeg")
            return self._refuse(404, "not_found")

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_POST(self) -> None:  # noqa: N802
            if not self._host_ok():
                return self._refuse(421, "wrong_host")
            if not self._post_ok():
                return self._refuse(403, "csrf_failed")
            try:
                size = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(min(size, 4096)) or b"{}") if size <= 4096 else None
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._refuse(400, "bad_request")
            path = urlsplit(self.path).path
            if path == "/api/command" and isinstance(body.get("line"), str) and len(body["line"]) <= 200:
                web.commands.put(("line", body["line"]))
            elif path == "/api/key" and body.get("key") in ("F9", "Enter"):
                web.commands.put(("key", body["key"]))
            elif path == "/api/lang" and body.get("lang") in ("zh", "en"):
                web.commands.put(("lang", body["lang"]))
            else:
                return self._refuse(400, "bad_request")
            return self._json(202, {"accepted": True})

        def _no(self) -> None:
            self._refuse(405, "method_not_allowed")

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _no  # noqa: N815 - no CORS preflight is ever answered

    return Handler
