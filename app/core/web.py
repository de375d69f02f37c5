"""Browser plumbing: security headers on every answer, and errors shown as pages outside /api."""

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import AppError, NotFound, error_body

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The API documentation (Folio's own copies of Swagger UI and ReDoc, app/core/apidocs.py) still runs no inline
# script and loads nothing from elsewhere; both set style attributes at run time and ReDoc searches in a blob worker.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """CSP without inline script (everywhere, /docs too), frame denial, no-sniff, no referrer; HTML is never cached."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in ("/docs", "/redoc")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                extra.append((b"content-security-policy", (DOCS_CSP if docs else CSP).encode()))
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = headers + [(k, v) for k, v in extra if k not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


def trust_proxies(app: FastAPI, proxies: list[str]) -> None:
    """Believe X-Forwarded-For/-Proto only from these proxy addresses or networks; with none, from nobody.

    The address of a request feeds the audit trail and the per-address sign-in throttle, so a header any
    local process can send must not choose it. `folio serve` runs uvicorn without its own proxy handling
    (which would trust 127.0.0.1); this is the one place that does it, outermost, before anything reads
    the address. ValueError names an entry that is no IP address or network ("*" included).
    """
    import ipaddress

    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    for entry in proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ValueError(f"FOLIO_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from exc
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)


def is_api(request: Request) -> bool:
    """True for JSON routes."""
    return request.url.path.startswith("/api/")


def install_html_errors(app: FastAPI) -> None:
    """Outside /api: 401 sends the browser to the sign-in page; other errors render the error page, the framework's
    own too (an unknown address, a method the address does not serve, a form field missing or malformed), which
    would otherwise answer a browser with JSON in English. Call after install_error_handlers: /api keeps its JSON."""
    from app.core.templates import render

    def error_page(request: Request, code: str, status: int, params: dict) -> Response:
        from app.core.i18n import translations
        from app.core.templates import request_language
        from app.error_words import explanation

        gettext = translations(request_language(request)).gettext
        words = explanation(gettext, code, status, params)
        context = {"code": code, "status": status, "explanation": words}  # the English detail: the log's
        return render(request, "error.html", context, status_code=status)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # An id no integer column can hold (a huge number in a URL) names nothing: not found, not a crash.
        return await _app_error(request, NotFound("no such object"))

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status, headers=headers)
        if exc.code in ("not_signed_in", "second_factor_required"):
            target = "/login/second-factor" if exc.code == "second_factor_required" else "/login"
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{target}?next={nxt}" if nxt not in ("/", "/login") else target, 303)
        return error_page(request, exc.code, exc.status, getattr(exc, "params", {}))

    json_answers = {kind: app.exception_handlers[kind] for kind in (StarletteHTTPException, RequestValidationError)}

    @app.exception_handler(StarletteHTTPException)
    @app.exception_handler(RequestValidationError)
    async def _framework_error(request: Request, exc: Exception) -> Response:
        kind = RequestValidationError if isinstance(exc, RequestValidationError) else StarletteHTTPException
        answer = await json_answers[kind](request, exc)
        if is_api(request):
            return answer
        page = error_page(request, json.loads(answer.body)["error"], answer.status_code, {})
        if "allow" in answer.headers:  # a 405 names the methods the address serves, on a page too
            page.headers["Allow"] = answer.headers["allow"]
        return page
