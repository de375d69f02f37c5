"""The Folio server's station API over HTTP (httpx); every failure becomes an ApiError with a kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from capture_station import __version__

# How the uploader treats a failure.
TRANSIENT = "transient"   # retry with backoff: 5xx, timeouts, connection errors
AUTH = "auth"             # pause the queue until the operator (or the admin) fixes it
PERMANENT = "permanent"   # this item can never succeed as it is: park it as rejected

AUTH_CODES = {"bad_station_token", "operator_session_expired", "role_not_allowed", "bad_credentials"}


@dataclass
class ApiError(Exception):
    """A failed call: HTTP status (0 when there was no answer), the server's error code and detail."""

    status: int
    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.status == 0 else f"{self.status} {self.code}: {self.detail}"

    @property
    def kind(self) -> str:
        """transient, auth or permanent."""
        if self.status == 0 or self.status >= 500 or self.status in (408, 425, 429):
            return TRANSIENT
        if self.status == 401 or self.code in AUTH_CODES:
            return AUTH
        if self.code == "endpoint_missing":
            # The server is older than this station: wait for it to be updated rather than drop the operation.
            return AUTH
        return PERMANENT


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        detail = body.get("detail", "")
        return ApiError(response.status_code, str(body["error"]), detail if isinstance(detail, str) else str(detail))
    if response.status_code in (404, 405):
        # FastAPI's own answer for a route that does not exist (not our {"error": ...} shape).
        return ApiError(response.status_code, "endpoint_missing",
                        f"the server has no {response.request.method} {response.request.url.path}")
    return ApiError(response.status_code, f"http_{response.status_code}", response.text[:200])


class StationClient:
    """One station's calls to the server; thread-safe per instance is not assumed (use one per thread)."""

    def __init__(self, server_url: str, station_token: str, operator_token: str | None = None, *,
                 timeout: float = 60.0, connect_timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.operator_token = operator_token
        self._station_token = station_token
        self._http = httpx.Client(
            base_url=server_url.rstrip("/"), transport=transport,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"User-Agent": f"folio-capture-station/{__version__}"})

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _headers(self, operator: bool = True) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self._station_token}"}
        if operator and self.operator_token:
            h["X-Operator-Token"] = self.operator_token
        return h

    def _call(self, method: str, url: str, *, operator: bool = True, ok: tuple[int, ...] = (200, 201),
              **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, url, headers=self._headers(operator), **kwargs)
        except httpx.TimeoutException as exc:
            raise ApiError(0, "timeout", f"the server did not answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise ApiError(0, "unreachable", f"cannot reach the server: {exc}") from exc
        if response.status_code not in ok:
            raise _error_from(response)
        return response

    # -- operator session
    def health(self) -> bool:
        """The server answers /healthz."""
        try:
            return self._http.get("/healthz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def check_station(self) -> None:
        """Raise ApiError unless the server knows this station's token (no operator needed, nothing is logged)."""
        saved, self.operator_token = self.operator_token, "fop_station_check"
        try:
            self._call("GET", "/api/v1/station/me")
        except ApiError as exc:
            if exc.code != "operator_session_expired":
                raise
        finally:
            self.operator_token = saved

    def login(self, username: str, password: str) -> dict[str, Any]:
        """Sign the operator in; the session's token and who it is."""
        r = self._call("POST", "/api/v1/station/sessions", operator=False, ok=(201, 200),
                       json={"username": username, "password": password})
        return r.json()

    def logout(self) -> None:
        """End the operator's session on the server."""
        self._call("DELETE", "/api/v1/station/sessions/current", ok=(204, 200))

    def me(self) -> dict[str, Any]:
        """Station and operator behind the tokens (401 when the session ended)."""
        return self._call("GET", "/api/v1/station/me").json()

    def today(self) -> dict[str, Any]:
        """The operator's good pages today against the quota."""
        return self._call("GET", "/api/v1/station/today").json()

    # -- records
    def qc_profile(self) -> dict[str, Any]:
        """The project's QC profile (the thresholds of the verdict that counts)."""
        return self._call("GET", "/api/v1/station/qc-profile").json()["profile"]

    def open_record(self, identity: dict[str, Any]) -> dict[str, Any]:
        """Find or create the record by {"barcode"} or {"mrn", "visit"}."""
        return self._call("POST", "/api/v1/records", json=identity).json()

    def record_pages(self, record_id: int) -> list[dict[str, Any]]:
        """The record's current pages."""
        return self._call("GET", f"/api/v1/records/{record_id}/pages").json()

    def finish(self, record_id: int, paper_page_count: int) -> dict[str, Any]:
        """Declare the paper page count; missing and extra page numbers."""
        return self._call("POST", f"/api/v1/records/{record_id}/finish",
                          json={"paper_page_count": paper_page_count}).json()

    def operation(self, record_id: int, key: str, op: str, page_number: int) -> dict[str, Any]:
        """Delete page n (later pages shift down) or insert a slot at n (pages >= n shift up); idempotent by key."""
        return self._call("POST", f"/api/v1/records/{record_id}/operations",
                          json={"key": key, "op": op, "page_number": page_number}).json()

    def reshoot_tasks(self, record_id: int) -> list[dict[str, Any]]:
        """The record's open re-shoot tasks (vendor QC), in page order."""
        return self._call("GET", f"/api/v1/records/{record_id}/reshoot-tasks").json()

    def reshoot_thumbnail(self, task_id: int) -> bytes:
        """The flagged image of a re-shoot task as a small JPEG."""
        return self._call("GET", f"/api/v1/reshoot-tasks/{task_id}/thumb.jpg").content

    # -- pages
    def upload(self, *, data: bytes, filename: str, key: str, record: dict[str, Any], page_number: int,
               segment: str | None = None, intentionally_blank: bool = False,
               captured_at: str | None = None, insert: bool = False,
               reshoot: bool | None = None) -> tuple[int, dict[str, Any]]:
        """Upload one page image; (status, answer). 201 new, 200 a replay of the same key.

        insert: the image is a missed page: the server moves pages >= page_number up one and stores it at
        page_number in one transaction (a replay of the key moves nothing again).
        reshoot: True may replace the page's image; False is a new page (409 page_has_good_image when the page
        has a good image); None says nothing (an item queued by an older station).
        """
        form: dict[str, str] = {"page_number": str(page_number), "idempotency_key": key,
                                "intentionally_blank": "true" if intentionally_blank else "false"}
        if insert:
            form["insert"] = "true"
        if reshoot is not None:
            form["reshoot"] = "true" if reshoot else "false"
        for k, v in record.items():
            form[k] = str(v)
        if segment:
            form["segment"] = segment
        if captured_at:
            form["captured_at"] = captured_at
        r = self._call("POST", "/api/v1/pages", data=form, files={"image": (filename, data, _media_type(filename))})
        return r.status_code, r.json()


def _media_type(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".png"):
        return "image/png"
    if name.endswith((".tif", ".tiff")):
        return "image/tiff"
    return "image/jpeg"
