"""One error type for the whole server and the handler that turns it into JSON or an error page."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    """An error a client can act on: a stable code, a human message and an HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(
        self, detail: str, *, code: str | None = None, status: int | None = None, keep_writes: bool = False
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # True when what the request wrote before the refusal (its audit event) must be committed anyway.
        self.keep_writes = keep_writes
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(AppError):
    status = 404
    code = "not_found"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "too_large"


class UnsupportedMedia(AppError):
    status = 415
    code = "unsupported_media_type"


class Unprocessable(AppError):
    status = 422
    code = "invalid"


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer: a stable code and a message (or the list of invalid fields)."""

    error: str
    detail: str | list[FieldProblem]


_DESCRIPTIONS = {
    400: "malformed request",
    401: "missing, unknown or expired credentials",
    403: "the caller may not do this",
    404: "no such object (or not the caller's project)",
    409: "conflicts with the current state",
    413: "file, body or image too large",
    415: "unsupported media type",
    422: "invalid field or content",
    429: "too many attempts",
}
# Documented on every JSON route, so that clients (and schemathesis) know every answer's shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _DESCRIPTIONS.items()
}

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
}


def error_body(code: str, detail: str | list | dict) -> dict:
    """The JSON shape of every error: {"error": code, "detail": message}."""
    return {"error": code, "detail": detail}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as {"error", "detail"} JSON with the right status."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")} for e in exc.errors()
        ]
        return JSONResponse(error_body("invalid", problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path served by several routes
            # (GET and POST apart) must list them all.
            headers["Allow"] = ", ".join(sorted(allowed_methods(request.app, request.url.path)))
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers)


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """Every HTTP method some route of the app serves at this path."""
    from fastapi.routing import APIRoute

    def walk(routes: list) -> set[str]:
        found: set[str] = set()
        for route in routes:
            if isinstance(route, APIRoute):
                if route.path_regex.match(path):
                    found |= set(route.methods)
            elif hasattr(route, "original_router"):
                found |= walk(route.original_router.routes)
        return found

    return walk(app.router.routes)
