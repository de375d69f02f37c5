"""The uploader thread: sends the outbox's head item, strictly in order, until the queue is empty.

2xx: the item is done and its copy deleted. 5xx, timeouts, no connection: retry with backoff, the
queue waits (nothing behind it overtakes). 401/403: pause until the operator signs in again. Any
other 4xx: the item is parked as rejected with the reason, its file kept, and the queue moves on.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from capture_station.client import AUTH, TRANSIENT, ApiError, StationClient
from capture_station.faults import crash_point, uploads_held
from capture_station.messages import reason_text, said, server_error_text, t
from capture_station.numbering import record_key
from capture_station.outbox import Item, Outbox
from capture_station.station import Station

log = logging.getLogger("capture_station.uploader")

AUTH_RECHECK_SECONDS = 30.0


class Uploader(threading.Thread):
    """Drains the outbox in order over its own database connection and HTTP client."""

    def __init__(self, station: Station, stop: threading.Event) -> None:
        super().__init__(name="uploader", daemon=True)
        self.station = station
        self.stop = stop
        self.wake = station.wake
        self.paused: str | None = None            # why the queue waits (auth code), or None
        self._paused_token: str | None = None
        self._paused_at = 0.0
        self._failures = 0
        self._record_ids: dict[str, int] = {}
        self._client: StationClient | None = None
        self._client_token: str | None = None
        self._other_operator: str | None = None

    # -- plumbing
    def _get_client(self, token: str) -> StationClient:
        if self._client is None or self._client_token != token:
            if self._client is not None:
                self._client.close()
            cfg = self.station.cfg
            self._client = StationClient(cfg.server_url, cfg.station_token, token,
                                         timeout=cfg.request_timeout_seconds, connect_timeout=5.0)
            self._client_token = token
        return self._client

    def _sleep(self, seconds: float) -> None:
        """Wait, but wake up for a stop, a new item or a new sign-in."""
        self.wake.wait(seconds)
        self.wake.clear()

    def run(self) -> None:
        """The loop."""
        outbox = Outbox(self.station.paths.outbox_db, self.station.paths.outbox_files)
        try:
            while not self.stop.is_set():
                try:
                    self._step(outbox)
                except Exception:  # noqa: BLE001 - the uploader must never die; log and retry
                    log.exception("uploader step failed")
                    self._sleep(2.0)
        finally:
            outbox.close()
            if self._client is not None:
                self._client.close()

    def _step(self, outbox: Outbox) -> None:
        bus, lang = self.station.bus, self.station.lang
        if self.station.session_changed.is_set():
            self.station.session_changed.clear()
            self.paused, self._paused_token = None, None
        item = outbox.head()
        if item is None or uploads_held():
            self._sleep(0.3 if item else 1.0)
            return
        session = self.station.session
        if session is None:
            self._sleep(1.0)
            return
        if self.paused and self._paused_token == session.token and \
                time.monotonic() - self._paused_at < AUTH_RECHECK_SECONDS:
            self._sleep(1.0)
            return
        if item.operator and item.operator != session.username:
            if self._other_operator != item.operator:
                self._other_operator = item.operator
                n = sum(1 for i in outbox.queued() if i.operator == item.operator)
                bus.emit("waiting_operator", "warn", t("other_operator", lang, user=item.operator, n=n),
                         operator=item.operator, count=n)
            self._sleep(2.0)
            return
        self._other_operator = None
        client = self._get_client(session.token)
        try:
            status, answer = self._send(client, outbox, item)
        except ApiError as exc:
            self._failed(outbox, item, exc, session.token)
            return
        crash_point("after_server_answer")
        outbox.mark_done(item, answer)
        self._succeeded(outbox, item, status, answer)

    # -- sending
    def _record_id(self, client: StationClient, outbox: Outbox, record: dict[str, Any]) -> int:
        key = record_key(record)
        if key not in self._record_ids:
            rec = client.open_record(record)
            outbox.learn_record(record, rec)   # its barcode and MRN + visit: one record
            self._record_ids[key] = int(rec["id"])
        return self._record_ids[key]

    def _send(self, client: StationClient, outbox: Outbox, item: Item) -> tuple[int, dict[str, Any]]:
        if item.kind == "upload":
            try:
                data = outbox.read_file(item)
            except FileNotFoundError as exc:
                raise ApiError(422, "local_file_missing", f"the outbox copy {item.file} is gone") from exc
            assert item.page_number is not None and item.file is not None
            if "barcode" in item.record and not outbox.knows_record(item.record):
                self._record_id(client, outbox, item.record)   # learn which MRN + visit the barcode is, once
            return client.upload(data=data, filename=item.file, key=item.key, record=item.record,
                                 page_number=item.page_number, segment=item.params.get("segment"),
                                 intentionally_blank=bool(item.params.get("intentionally_blank")),
                                 captured_at=item.params.get("captured_at"),
                                 insert=bool(item.params.get("insert")), reshoot=item.params.get("reshoot"))
        record_id = self._record_id(client, outbox, item.record)
        if item.kind == "finish":
            answer = client.finish(record_id, int(item.params["paper_page_count"]))
            # complete means every number is there; a page whose current image failed is not done either
            answer["failed"] = sorted(p["page_number"] for p in client.record_pages(record_id)
                                      if not p.get("qc_passed"))
            return 200, answer
        assert item.page_number is not None
        return 200, client.operation(record_id, item.key, item.kind, item.page_number)

    # -- outcomes
    def _succeeded(self, outbox: Outbox, item: Item, status: int, answer: dict[str, Any]) -> None:
        bus, lang = self.station.bus, self.station.lang
        self._failures = 0
        queued = outbox.counts()["queued"]
        self.station.note_server(True, queued)
        if item.kind == "upload":
            verdict = answer.get("verdict")
            page = answer.get("page_number", item.page_number)
            if verdict == "pass":
                text = said(lambda lg: f"{t('page', lg, n=page)} {t('server_ok', lg)}", lang)
            else:
                text = said(lambda lg: f"{t('page', lg, n=page)} {t('server_failed', lg)}{t('sep', lg)}"
                            f"{reason_text(answer.get('messages'), answer.get('reasons'), lg)}", lang)
            bus.emit("uploaded", "ok" if verdict == "pass" else "error", text, seq=item.seq, key=item.key,
                     record=item.record_label, page=page, verdict=verdict, reasons=answer.get("reasons", []),
                     replayed=bool(answer.get("replayed")) or status == 200,
                     superseded_image_id=answer.get("superseded_image_id"), page_id=answer.get("page_id"),
                     image_id=answer.get("image_id"), local=(item.local or {}).get("verdict"), queued=queued,
                     insert=bool(item.params.get("insert")),
                     bell=verdict != "pass" and (item.local or {}).get("verdict") == "pass" and self.station.cfg.bell)
        elif item.kind == "finish":
            missing, extra = answer.get("missing", []), answer.get("extra", [])
            failed = answer.get("failed", [])
            if answer.get("complete") and failed:
                answer["complete"] = False
                text, level = t("finished_failed", lang, label=item.record_label, pages=_nums(failed)), "warn"
            elif answer.get("complete"):
                text = t("finished_ok", lang, label=item.record_label, n=answer.get("captured"))
                level = "ok"
            else:
                text = t("finished_gap", lang, label=item.record_label, missing=_nums(missing), extra=_nums(extra))
                level = "warn"
            bus.emit("finished", level, text, seq=item.seq, record=item.record_label, missing=missing, extra=extra,
                     failed=failed,
                     complete=bool(answer.get("complete")), captured=answer.get("captured"), queued=queued,
                     bell=not answer.get("complete") and self.station.cfg.bell)
        else:
            bus.emit("op_done", "ok", "", seq=item.seq, op=item.kind, record=item.record_label,
                     page=item.page_number, pages=answer.get("pages"), queued=queued)

    def _failed(self, outbox: Outbox, item: Item, exc: ApiError, token: str) -> None:
        bus, lang = self.station.bus, self.station.lang
        if exc.kind == TRANSIENT:
            outbox.note_failure(item, str(exc))
            self._failures += 1
            self.station.note_server(False, outbox.counts()["queued"], str(exc))
            delay = min(self.station.cfg.retry_max_seconds, 0.5 * 2 ** min(self._failures, 10))
            self._sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security
            return
        if exc.kind == AUTH:
            outbox.note_failure(item, str(exc))
            if self.paused != exc.code or self._paused_token != token:
                key = {"bad_station_token": "bad_station_token", "role_not_allowed": "role_not_allowed",
                       "endpoint_missing": "endpoint_missing"}.get(exc.code, "session_expired")
                bus.emit("auth", "error", t(key, lang), code=exc.code, detail=exc.detail,
                         queued=outbox.counts()["queued"], bell=self.station.cfg.bell)
            self.paused, self._paused_token, self._paused_at = exc.code, token, time.monotonic()
            if exc.code == "endpoint_missing":
                self._record_ids.clear()
            return
        outbox.mark_rejected(item, exc.code, exc.detail, exc.status)
        path = outbox.file_path(item)
        if item.kind == "upload":
            text = t("rejected_item", lang, page=item.page_number, record=item.record_label,
                     detail=server_error_text(exc, lang), file=str(path))
        else:
            text = t("rejected_op", lang, op=t(f"op_{item.kind}", lang), record=item.record_label,
                     detail=server_error_text(exc, lang))
        bus.emit("rejected", "error", text, seq=item.seq, op=item.kind, page=item.page_number,
                 record=item.record_label, code=exc.code, detail=exc.detail, status=exc.status,
                 file=str(path) if path else None, queued=outbox.counts()["queued"], bell=self.station.cfg.bell)


def _nums(ns: list[int]) -> str:
    return ", ".join(str(n) for n in ns) if ns else "-"


class TodayPoller(threading.Thread):
    """Fetches the operator's good pages today against the quota, and the project's QC profile, from the server.

    Every `today_refresh_seconds` (every few seconds while the server is unreachable) and soon after uploads.
    Each attempt tells the station whether the server answered, so the status line follows the last attempt.
    The loop never ends on an error: a failed round is logged and the next one comes.
    """

    OFFLINE_RETRY_SECONDS = 3.0

    def __init__(self, station: Station, stop: threading.Event) -> None:
        super().__init__(name="today", daemon=True)
        self.station, self.stop = station, stop
        self.poke = threading.Event()
        self.missing = False
        self.profile_fetched = False  # the project's QC profile, fetched once a session is there
        self.rounds = 0               # completed rounds (a test reads it to see the thread is alive)
        self.failures = 0

    def run(self) -> None:
        """The loop."""
        while not self.stop.is_set():
            try:
                self._once()
            except Exception:  # noqa: BLE001 - the refresher must never die; log it and try again
                self.failures += 1
                log.exception("refreshing today's count failed")
            self.rounds += 1
            wait = self.station.cfg.today_refresh_seconds
            if self.station.online is False:
                wait = min(wait, self.OFFLINE_RETRY_SECONDS)
            self.poke.wait(wait)
            if self.poke.is_set():
                self.poke.clear()
                self.stop.wait(2.0)   # gather a few uploads into one refresh

    def _once(self) -> None:
        session = self.station.session
        client = self.station.client(timeout=10)
        try:
            if session is None or self.missing:
                self.station.note_server(client.health(), None)
                return
            if not self.profile_fetched:
                self._fetch_profile(client)
            try:
                today = client.today()
            except ApiError as exc:
                if exc.kind == TRANSIENT:
                    self.station.note_server(False, None, str(exc))
                elif exc.code == "endpoint_missing":
                    self.missing = True   # an older server: the screen counts locally instead
                elif exc.status == 401:
                    self.station.note_server(True, None)
                    self.station._auth_problem(exc)
                return
        finally:
            client.close()
        self.station.note_server(True, None)
        self.station.bus.emit("today", "info", "", source="server", **today)

    def _fetch_profile(self, client: StationClient) -> None:
        try:
            self.profile_fetched = self.station.use_server_profile(client.qc_profile()) or True
        except ApiError as exc:
            self.profile_fetched = exc.code == "endpoint_missing"  # an older server: keep the default
