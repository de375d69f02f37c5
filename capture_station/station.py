"""The operator's workflow: open a record, number each shot, check it, queue it safely, edit the page order.

Everything the operator does goes through Station; the uploader thread does the network work.
The numbering state is saved in the outbox in the same transaction as the shot it numbers, so a
restart (even after kill -9) resumes at the right page.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict
from typing import Any

from capture_station.client import ApiError, StationClient
from capture_station.config import OperatorSession, Paths, StationConfig, save_session
from capture_station.events import EventBus
from capture_station.fsutil import free_bytes
from capture_station.localcheck import LocalChecker
from capture_station.messages import human_bytes, reason_text, t
from capture_station.outbox import Outbox, record_label
from capture_station.sources import Shot, Unreadable
from capture_station.workflow import Workflow, record_key

SEGMENT_MAX = 40


# -- commands
_CMD_NUM = re.compile(r"^(r|i|d|f|p)\s*(\d{1,5})$", re.IGNORECASE)
_CMD_MRN = re.compile(r"^m\s+(\S{1,32})\s+(\d{1,3})$", re.IGNORECASE)
_CMD_SEG = re.compile(r"^s\s+(.+)$", re.IGNORECASE)
_CMD_LOGIN = re.compile(r"^login\s+(\S+)\s+(.+)$", re.IGNORECASE)


class Station:
    """The station's brain, driven by the run loop: commands, shots, disk checks, sign-in."""

    def __init__(self, paths: Paths, cfg: StationConfig, bus: EventBus, session: OperatorSession | None,
                 *, is_camera: bool = False) -> None:
        self.paths, self.cfg, self.bus = paths, cfg, bus
        self.lang = cfg.language
        self.is_camera = is_camera
        self.outbox = Outbox(paths.outbox_db, paths.outbox_files)
        self.flow = Workflow.from_dict(self.outbox.get_state())
        self._session = session
        self._session_lock = threading.Lock()
        self.session_changed = threading.Event()
        self.wake = threading.Event()          # wakes the uploader: a new item, a new sign-in
        self.quit_requested = False
        self.disk_level = "ok"
        self.held = 0
        self.checker = LocalChecker(cfg, bus)
        self._auth_told: str | None = None

    # -- sign-in
    @property
    def session(self) -> OperatorSession | None:
        """The signed-in operator (read by the uploader thread too)."""
        with self._session_lock:
            return self._session

    def client(self, timeout: float | None = None) -> StationClient:
        """A client with the current operator's token."""
        s = self.session
        return StationClient(self.cfg.server_url, self.cfg.station_token, s.token if s else None,
                             timeout=timeout or self.cfg.request_timeout_seconds, connect_timeout=3.0)

    def login(self, username: str, password: str) -> bool:
        """Sign an operator in at this station; the queue resumes for them."""
        client = self.client(timeout=15)
        try:
            answer = client.login(username, password)
        except ApiError as exc:
            self.bus.emit("login_failed", "error", t("login_failed", self.lang, detail=_api_text(exc, self.lang)),
                          code=exc.code)
            return False
        finally:
            client.close()
        session = OperatorSession(token=answer["token"], username=answer["username"],
                                  display_name=answer.get("display_name") or answer["username"],
                                  user_id=answer["user_id"], station_id=answer["station_id"],
                                  project_id=answer["project_id"], expires_at=str(answer["expires_at"]))
        save_session(self.paths, session)
        with self._session_lock:
            self._session = session
        self._auth_told = None
        self.session_changed.set()
        self.wake.set()
        self.bus.emit("login", "ok", t("logged_in", self.lang, name=session.display_name), username=session.username,
                      display_name=session.display_name)
        return True

    def logout(self) -> None:
        """Sign the operator out here and on the server (queued shots wait for them to sign in again)."""
        s = self.session
        if s is not None:
            client = self.client(timeout=10)
            try:
                client.logout()
            except ApiError:
                pass  # the server may be down or the session already over; forgetting it here is what counts
            finally:
                client.close()
        save_session(self.paths, None)
        with self._session_lock:
            self._session = None
        self.session_changed.set()
        self.bus.emit("logout", "info", t("logged_out", self.lang))

    # -- commands
    def handle_line(self, line: str) -> None:
        """One line typed (or scanned) by the operator."""
        text = line.strip()
        if not text:
            return
        low = text.lower()
        if low in ("q", "quit", "exit"):
            self.quit_requested = True
            return
        if low in ("?", "h", "help"):
            self.bus.emit("help", "info", t("help", self.lang))
            return
        if low == "x":
            self._cancel()
            return
        if low == "b":
            self._save(self._changed(next_blank=True))
            self.bus.emit("mode", "info", t("next_blank", self.lang))
            return
        if low == "r":
            self._reshoot(self.flow.last_page)
            return
        if low == "logout":
            self.logout()
            return
        if m := _CMD_LOGIN.match(text):
            self.login(m.group(1), m.group(2))
            return
        if m := _CMD_NUM.match(text):
            cmd, n = m.group(1).lower(), int(m.group(2))
            {"r": self._reshoot, "i": self._insert, "d": self._delete, "f": self._finish, "p": self._set_page}[cmd](n)
            return
        if m := _CMD_SEG.match(text):
            name = m.group(1).strip()[:SEGMENT_MAX]
            self._save(self._changed(next_segment=name))
            self.bus.emit("mode", "info", t("next_segment", self.lang, name=name))
            return
        if m := _CMD_MRN.match(text):
            self.open_record({"mrn": m.group(1), "visit": int(m.group(2))})
            return
        if " " not in text and len(text) <= 64:
            self.open_record({"barcode": text})
            return
        self.bus.emit("error", "error", t("unknown_command", self.lang, text=text[:40]))

    def _changed(self, **changes: Any) -> Workflow:
        return Workflow(**{**asdict(self.flow), "known": dict(self.flow.known), **changes})

    def _save(self, flow: Workflow) -> None:
        self.outbox.set_state(flow.to_dict())
        self.flow = flow

    def _need_record(self) -> bool:
        if self.flow.record is None:
            self.bus.emit("error", "error", t("no_record", self.lang))
            return False
        return True

    def _page_ok(self, n: int | None, top: int) -> bool:
        if n is None or not 1 <= n <= top:
            self.bus.emit("error", "error", t("bad_page", self.lang, n=n if n is not None else "?", max=top))
            return False
        return True

    def _cancel(self) -> None:
        flow = self.flow
        if flow.mode == "insert" and flow.target:
            self.bus.emit("mode", "warn", t("insert_cancelled", self.lang, n=flow.target))
        new = self._changed(mode="normal", target=None, next_blank=False, next_segment=None)
        self._save(new)
        self.bus.emit("mode", "info", t("mode_cleared", self.lang, n=new.next_page))

    def _reshoot(self, n: int | None) -> None:
        if not self._need_record() or not self._page_ok(n, self.flow.page_count):
            return
        self._save(self._changed(mode="reshoot", target=n))
        self.bus.emit("mode", "info", t("mode_reshoot", self.lang, n=n), page=n)

    def _insert(self, n: int) -> None:
        if not self._need_record() or not self._page_ok(n, self.flow.page_count + 1):
            return
        if n == self.flow.page_count + 1:
            self._save(self._changed(mode="normal", target=None))
            self.bus.emit("mode", "info", t("page_set", self.lang, n=n))
            return
        new = self._changed(mode="insert", target=n, page_count=self.flow.page_count + 1)
        new.remember()
        assert self.flow.record is not None
        self.outbox.add_operation("insert", record=self.flow.record, operator=self._operator(), page_number=n,
                                  state=new.to_dict())
        self.flow = new
        self.wake.set()
        self.bus.emit("mode", "info", t("mode_insert", self.lang, n=n), page=n, queued=self.queued())

    def _delete(self, n: int) -> None:
        if not self._need_record() or not self._page_ok(n, self.flow.page_count):
            return
        new = self._changed(page_count=self.flow.page_count - 1, mode="normal", target=None,
                            last_page=None if self.flow.last_page == n else self.flow.last_page)
        new.remember()
        assert self.flow.record is not None
        self.outbox.add_operation("delete", record=self.flow.record, operator=self._operator(), page_number=n,
                                  state=new.to_dict())
        self.flow = new
        self.wake.set()
        self.bus.emit("deleted", "info", t("deleted", self.lang, n=n), page=n, queued=self.queued())

    def _finish(self, count: int) -> None:
        if not self._need_record():
            return
        new = self._changed(finished_count=count)
        assert self.flow.record is not None
        self.outbox.add_operation("finish", record=self.flow.record, operator=self._operator(),
                                  params={"paper_page_count": count}, state=new.to_dict())
        self.flow = new
        self.wake.set()
        self.bus.emit("finish_queued", "info", t("finish_queued", self.lang, n=count), paper_page_count=count)

    def _set_page(self, n: int) -> None:
        if not self._need_record() or not self._page_ok(n, 100_000):
            return
        new = self._changed(page_count=n - 1, mode="normal", target=None)
        new.remember()
        self._save(new)
        self.bus.emit("mode", "info", t("page_set", self.lang, n=n), page=n)

    def _operator(self) -> str:
        s = self.session
        return s.username if s else ""

    # -- records
    def open_record(self, identity: dict[str, Any]) -> bool:
        """Open a record by barcode or MRN + visit; asks the server first, works offline if it must."""
        prev = self.flow
        if prev.record and prev.page_count and prev.finished_count is None and record_key(prev.record) != \
                record_key(identity):
            self.bus.emit("warning", "warn", t("prev_unfinished", self.lang, label=prev.label))
        label = record_label(identity)
        key = record_key(identity)
        pending = self.outbox.pending_for_record(identity)
        local_count = prev.known.get(key, 0)
        record_id, server_count, offline = None, 0, False
        if self.session is None:
            offline = True
        else:
            client = self.client(timeout=10)
            try:
                rec = client.open_record(identity)
                record_id = rec["id"]
                pages = client.record_pages(record_id)
                server_count = max((p["page_number"] for p in pages), default=0)
            except ApiError as exc:
                if exc.kind == "permanent":
                    self.bus.emit("record_refused", "error",
                                  t("record_refused", self.lang, label=label, detail=_api_text(exc, self.lang)),
                                  record=label, code=exc.code)
                    return False
                offline = True
                if exc.kind == "auth":
                    self._auth_problem(exc)
            finally:
                client.close()
        count = local_count if (pending or offline) else server_count
        if pending:
            count = max(local_count, server_count)
        new = Workflow(record=identity, record_id=record_id, page_count=count, known=dict(prev.known))
        new.remember()
        self._save(new)
        nxt = new.next_page
        if offline:
            self.bus.emit("record", "warn", t("record_offline", self.lang, label=label, next=nxt), record=label,
                          page_count=count, online=False)
        else:
            self.bus.emit("record", "ok", t("record_opened", self.lang, label=label, next=nxt), record=label,
                          page_count=count, online=True, record_id=record_id)
        return True

    def _auth_problem(self, exc: ApiError) -> None:
        """Tell the operator once (not on every refresh) that the server refuses the tokens."""
        if self._auth_told == exc.code:
            return
        self._auth_told = exc.code
        key = exc.code if exc.code in ("bad_station_token", "role_not_allowed") else "session_expired"
        self.bus.emit("auth", "error", t(key, self.lang), code=exc.code)

    # -- shots
    def accepting(self) -> bool:
        """Shots can be taken now (a record is open and the disk has room)."""
        return self.flow.record is not None and self.disk_level != "full"

    def take(self, shot: Shot) -> dict[str, Any] | None:
        """Number, check and queue one shot; the event sent to the screen, or None when it must wait."""
        if self.flow.record is None or self.check_disk() == "full":
            return None
        flow = self.flow
        page = flow.next_page
        started = time.perf_counter()
        try:
            local = self.checker.check(shot.data, flow.next_blank)
        except ValueError as exc:  # qc.QCInputError: the file is not a readable image
            return {"unreadable": str(exc)}
        params: dict[str, Any] = {"captured_at": shot.captured_at, "source": shot.name}
        if flow.next_segment:
            params["segment"] = flow.next_segment
        if flow.next_blank:
            params["intentionally_blank"] = True
        if flow.mode == "reshoot":
            params["reshoot"] = True
        new = flow.after_shot(page)
        item = self.outbox.add_upload(data=shot.data, ext=shot.ext, record=flow.record or {}, page_number=page,
                                      operator=self._operator(), params=params, local=local.to_dict(),
                                      pickup=shot.pickup, state=new.to_dict(), sha256=shot.sha256)
        self.flow = new
        self.wake.set()
        total_ms = (time.perf_counter() - started) * 1000
        level = "ok" if local.verdict != "fail" else "error"
        queued = self.queued()
        if local.verdict == "fail":
            text = f"{t('page', self.lang, n=page)} {t('reshoot', self.lang)}：{reason_text(local.messages, local.reasons, self.lang)}"  # noqa: E501
        elif local.verdict == "pass":
            text = f"{t('page', self.lang, n=page)} {t('ok', self.lang)} · {t('shot_saved', self.lang, page=page, queued=queued)}"  # noqa: E501
        else:
            text = t("shot_saved", self.lang, page=page, queued=queued)
        return self.bus.emit("shot", level, text, seq=item.seq, key=item.key, page=page, record=flow.label,
                             verdict=local.verdict, reasons=local.reasons, qc_ms=round(local.ms, 1),
                             total_ms=round(total_ms, 1), queued=queued, source=shot.name, sha256=shot.sha256,
                             reshoot=flow.mode == "reshoot", bell=local.verdict == "fail" and self.cfg.bell)

    def use_server_profile(self, profile: dict[str, Any]) -> bool:
        """Check shots with the project's profile from the server (a local profile file, if set, wins)."""
        return self.checker.use_server_profile(profile)

    def unreadable(self, item: Unreadable, moved_to: str | None) -> None:
        """Tell the operator a file could not be read (left in the hot folder, or moved aside; never deleted)."""
        if moved_to:
            text = t("unreadable", self.lang, name=item.path.name, reason=item.reason, moved=moved_to)
        else:
            text = t("unreadable_kept", self.lang, name=item.path.name, reason=item.reason)
        self.bus.emit("unreadable", "error", text, name=item.path.name, moved_to=moved_to, reason=item.reason,
                      bell=self.cfg.bell)

    def hold(self, waiting: int) -> None:
        """Shots are waiting for a record to be opened."""
        if waiting != self.held:
            self.held = waiting
            if waiting:
                self.bus.emit("hold", "warn", t("hold_for_record", self.lang, n=waiting), waiting=waiting)

    # -- disk
    def check_disk(self) -> str:
        """ok, low (warn) or full (stop taking shots); tells the operator when the level changes."""
        try:
            free = free_bytes(self.paths.data_dir)
        except OSError:
            return self.disk_level
        level = "ok"
        if free < self.cfg.disk_min_mb * 1024 * 1024:
            level = "full"
        elif free < self.cfg.disk_warn_mb * 1024 * 1024:
            level = "low"
        if level != self.disk_level:
            self.disk_level = level
            room = max(0, (free - self.cfg.disk_min_mb * 1024 * 1024) // max(1, self.outbox.average_size()))
            if level == "full":
                self.bus.emit("disk", "error", t("disk_full", self.lang, free=human_bytes(free)), disk_level=level,
                              free=free)
            elif level == "low":
                self.bus.emit("disk", "warn", t("disk_low", self.lang, free=human_bytes(free), room=room),
                              disk_level=level, free=free, room=room)
            else:
                self.bus.emit("disk", "ok", "", disk_level=level, free=free)
        return level

    def queued(self) -> int:
        """Items waiting to upload."""
        return self.outbox.counts()["queued"]

    def close(self) -> None:
        """Close the outbox connection."""
        self.outbox.close()


def _api_text(exc: ApiError, lang: str) -> str:
    if exc.status == 0:
        return "服务器无法连接" if lang == "zh" else "server unreachable"
    return exc.detail or exc.code
