"""The HTTP side of the station's web screen (capture_station.webscreen): what it serves and what it refuses.

Host must be `127.0.0.1:<port>`; the per-run secret is an HttpOnly cookie; changes need the CSRF token, the
screen's own origin and JSON; no CORS headers; a CSP without inline script.
"""

from __future__ import annotations

import hmac
import json
import logging
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("capture_station.web")
ASSETS = Path(__file__).parent / "webassets"
COOKIE = "folio_station"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}


def handler_for(web: Any) -> type[BaseHTTPRequestHandler]:  # web: the WebScreen it serves (no import circle)
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
            if url.path.startswith(("/img/preview/", "/img/thumb/", "/img/task/")):
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
