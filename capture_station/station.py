"""The operator's workflow: open a record, number each shot, check it, queue it safely, edit the page order.

Everything the operator does goes through Station; the uploader thread does the network work.
The numbering state is saved in the outbox in the same transaction as the shot it numbers, so a
restart (even after kill -9) resumes at the right page.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from capture_station import numbering as nb
from capture_station.client import ApiError, StationClient
from capture_station.config import OperatorSession, Paths, StationConfig, save_session
from capture_station.events import EventBus
from capture_station.fsutil import free_bytes
from capture_station.localcheck import LocalChecker
from capture_station.messages import file_reason, human_bytes, reason_text, said, server_error_text, t
from capture_station.numbering import label_of, record_label
from capture_station.outbox import Outbox
from capture_station.reshoot_tasks import ReshootTasks
from capture_station.samepage import SamePageCheck
from capture_station.sources import Shot, Unreadable

SEGMENT_MAX = 40


# -- commands
_CMD_NUM = re.compile(r"^(r|i|d|f|p)\s*(\d{1,6})$", re.IGNORECASE)
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
        self.flow = nb.Numbering.from_dict(self.outbox.get_state())
        self._session = session
        self._session_lock = threading.Lock()
        self.session_changed = threading.Event()
        self.wake = threading.Event()          # wakes the uploader: a new item, a new sign-in
        self.quit_requested = False
        self.disk_level = "ok"
        self.held = 0
        self.checker = LocalChecker(cfg, bus)
        self._auth_told: str | None = None
        self.online: bool | None = None        # the last attempt to reach the server (None: not tried yet)
        self._online_lock = threading.Lock()
        self._last_queued = 0
        self.picture_listeners: list[Callable[[int, bytes], None]] = []   # e.g. the browser screen's previews
        self.reshoot_tasks = ReshootTasks(self)   # vendor QC (issue 15): the open record's tasks, shown first
        self.same_page = SamePageCheck(self)      # vendor QC: an unturned or repeated page, warned at the shot

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
            why = server_error_text(exc, self.lang)
            self.bus.emit("login_failed", "error", t("login_failed", self.lang, detail=why), code=exc.code)
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
        text = line.strip() if _CMD_LOGIN.match(line.strip()) else unicodedata.normalize("NFKC", line).strip()
        if not text:
            return
        low = text.lower()
        if low in ("q", "quit", "exit"):
            self.quit_requested = True
            return
        if low in ("?", "h", "help"):
            self.bus.emit("help", "info", t("help", self.lang))
            return
        simple = {"x": nb.cancel, "y": nb.confirm, "b": nb.blank, "r": lambda s: nb.retake(s, None)}
        if low in simple:
            self._apply(simple[low](self.flow))
            return
        if low == "logout":
            self.logout()
            return
        if m := _CMD_LOGIN.match(text):
            self.login(m.group(1), m.group(2))
            return
        if m := _CMD_NUM.match(text):
            cmd, n = m.group(1).lower(), int(m.group(2))
            rule = {"r": nb.retake, "i": nb.insert, "d": nb.delete, "f": nb.finish, "p": nb.go_to}[cmd]
            self._apply(rule(self.flow, n))
            return
        if m := _CMD_SEG.match(text):
            self._apply(nb.segment(self.flow, m.group(1).strip()[:SEGMENT_MAX]))
            return
        if m := _CMD_MRN.match(text):
            self.open_record({"mrn": m.group(1), "visit": int(m.group(2))})
            return
        if " " not in text and len(text) <= 64:
            self.open_record({"barcode": text})
            return
        self.bus.emit("error", "error", t("unknown_command", self.lang, text=text[:40]))

    def _apply(self, step: nb.Step) -> None:
        """Save a command's new numbering (with its queued operation, in one transaction) and tell the operator."""
        text = t(step.message, self.lang, **step.fields) if step.message else ""
        if not step.changed:
            self.bus.emit("error", "error", text, code=step.message)
            return
        record = self.flow.record
        if step.op is not None and record is not None:
            params = {"paper_page_count": step.op.paper_page_count} if step.op.kind == "finish" else None
            self.outbox.add_operation(step.op.kind, record=record, operator=self._operator(),
                                      page_number=step.op.page_number, params=params, state=step.state.to_dict())
            self.wake.set()
        else:
            self.outbox.set_state(step.state.to_dict())
        self.flow = step.state
        kind = _EVENT_KIND.get(step.message, "mode")
        data: dict[str, Any] = {"page": step.fields.get("n"), "next_page": step.state.next_page,
                                "mode": step.state.mode, "confirm": step.state.confirm, "code": step.message,
                                "record": label_of(record)}
        if step.op is not None:
            data["queued"] = self.queued()
            if step.op.kind == "finish":
                data["paper_page_count"] = step.op.paper_page_count
        self.bus.emit(kind, step.level if step.level != "error" else "warn", text, **data)

    def _operator(self) -> str:
        s = self.session
        return s.username if s else ""

    # -- records
    def open_record(self, identity: dict[str, Any]) -> bool:
        """Open a record by barcode or MRN + visit; asks the server first, works offline if it must."""
        prev = self.flow
        if prev.is_open and prev.record and prev.end and prev.finished_count is None and \
                prev.record_key not in self.outbox.record_keys(identity, self.cfg.barcode_pattern)[1]:
            self.bus.emit("warning", "warn", t("prev_unfinished", self.lang, label=label_of(prev.record)))
        label = record_label(identity)
        record_id, server_pages, pending, rec = None, None, 0, None
        if self.session is not None:
            client = self.client(timeout=10)
            try:
                rec = client.open_record(identity)
                record_id = rec["id"]
                self.outbox.learn_record(identity, rec)   # every name the server gives the record
                # counted before the pages are read: an item sent in between is then in the server's answer
                pending = self.outbox.pending_for_record(identity, self.cfg.barcode_pattern)
                server_pages = {p["page_number"]: "pass" if p.get("qc_passed") else "fail"
                                for p in client.record_pages(record_id)}
            except ApiError as exc:
                if exc.kind == "permanent":
                    self._refused(identity, exc)
                    return False
                if exc.kind == "auth":
                    self._auth_problem(exc)
            finally:
                client.close()
        key, aliases = self.outbox.record_keys(identity, self.cfg.barcode_pattern)
        step = nb.open_record(prev, identity, key=key, aliases=aliases, record_id=record_id,
                              server_pages=server_pages, pending=pending > 0)
        self.outbox.set_state(step.state.to_dict())
        self.flow = step.state
        online = server_pages is not None
        self.bus.emit("record", step.level, t(step.message, self.lang, label=label, **step.fields), record=label,
                      page_count=step.state.end, next_page=step.state.next_page, mode=step.state.mode,
                      online=online,
                      record_id=record_id, pages=step.state.pages)
        self.reshoot_tasks.opened(label, record_id, rec)
        return True

    def _refused(self, identity: dict[str, Any], exc: ApiError) -> None:
        """The server refuses the record: the previous record is closed on screen too, and shots are held."""
        step = nb.refuse_record(self.flow)
        self.outbox.set_state(step.state.to_dict())
        self.flow = step.state
        label = record_label(identity)
        self.bus.emit("record_refused", "error",
                      t("record_refused", self.lang, label=label, detail=server_error_text(exc, self.lang)),
                      record=label, code=exc.code, bell=self.cfg.bell)

    def _auth_problem(self, exc: ApiError) -> None:
        """Tell the operator once (not on every refresh) that the server refuses the tokens."""
        if self._auth_told == exc.code:
            return
        self._auth_told = exc.code
        key = exc.code if exc.code in ("bad_station_token", "role_not_allowed") else "session_expired"
        self.bus.emit("auth", "error", t(key, self.lang), code=exc.code)

    # -- shots
    def accepting(self) -> bool:
        """Shots can be taken now (a record is open, no confirmation is awaited, the disk has room)."""
        return self.flow.is_open and self.flow.confirm is None and self.disk_level != "full"

    def take(self, shot: Shot) -> dict[str, Any] | None:
        """Number, check and queue one shot; the event sent to the screen, or None when it must wait."""
        if not self.accepting() or self.check_disk() == "full":
            return None
        flow = self.flow
        started = time.perf_counter()
        try:
            local = self.checker.check(shot.data, flow.next_blank)
        except ValueError as exc:  # qc.QCInputError: the file is not a readable image
            return {"unreadable": str(exc)}
        step, placed = nb.shoot(flow, local.verdict)
        if placed is None:
            return None
        page = placed.page
        params: dict[str, Any] = {"captured_at": shot.captured_at, "source": shot.name}
        if placed.segment:
            params["segment"] = placed.segment
        if placed.blank:
            params["intentionally_blank"] = True
        params["reshoot"] = placed.retake     # said explicitly: the server refuses a new page onto a good image
        if placed.insert:
            params["insert"] = True
        item = self.outbox.add_upload(data=shot.data, ext=shot.ext, record=flow.record or {}, page_number=page,
                                      operator=self._operator(), params=params, local=local.to_dict(),
                                      pickup=shot.pickup, state=step.state.to_dict(), sha256=shot.sha256)
        self.flow = step.state
        self.wake.set()
        total_ms = (time.perf_counter() - started) * 1000
        queued = self.queued()
        if failed := local.verdict == "fail":
            text = said(lambda lang: f"{t('page', lang, n=page)} {t('failed', lang)}{t('sep', lang)}"
                        f"{reason_text(local.messages, local.reasons, lang)} · "
                        f"{t(step.message, lang, **step.fields)}", self.lang)
        elif local.verdict == "pass":
            text = said(lambda lang: f"{t('page', lang, n=page)} {t('ok', lang)} · "
                        f"{t('shot_saved', lang, page=page, queued=queued)}", self.lang)
        else:
            text = t("shot_saved", self.lang, page=page, queued=queued)
        event = self.bus.emit("shot", "error" if failed else "ok", text, seq=item.seq,
                             key=item.key, page=page, record=label_of(flow.record), verdict=local.verdict,
                             reasons=local.reasons, messages=local.messages, qc_ms=round(local.ms, 1),
                             total_ms=round(total_ms, 1), queued=queued, source=shot.name, sha256=shot.sha256,
                             reshoot=placed.retake, insert=placed.insert, next_page=step.state.next_page,
                             mode=step.state.mode, regions=local.regions, bell=failed and self.cfg.bell)
        for listener in self.picture_listeners:
            listener(item.seq, shot.data)
        self.same_page.after_shot(event, local)
        return event

    def retake_warned(self, page: int) -> None:
        """The shot of `page` looked like the page before (not turned): the next shot re-shoots it in place."""
        self._apply(nb.retake_warned(self.flow, page))

    def use_server_profile(self, profile: dict[str, Any]) -> bool:
        """Check shots with the project's profile from the server (a local profile file, if set, wins)."""
        used = self.checker.use_server_profile(profile)
        self.bus.emit("profile", "info", "", source="server" if used else "local", name=profile.get("name"))
        return used

    def unreadable(self, item: Unreadable, moved_to: str | None) -> None:
        """Tell the operator a file could not be read (left in the hot folder, or moved aside; never deleted).

        A file left in the hot folder is announced once, not on every start: the station remembers the
        (name, size, modification time) it told about until the file changes.
        """
        reason = file_reason(item.reason, self.lang)
        if moved_to:
            text = t("unreadable", self.lang, name=item.path.name, reason=reason, moved=moved_to)
        else:
            try:
                st = item.path.stat()
                told = f"{item.path.name}|{st.st_size}|{st.st_mtime_ns}"
            except OSError:
                told = ""
            seen = list((self.outbox.get_state("told_unreadable") or {}).get("files", []))
            if told and told in seen:
                return
            if told:
                self.outbox.set_state({"files": (seen + [told])[-200:]}, "told_unreadable")
            text = t("unreadable_kept", self.lang, name=item.path.name, reason=reason)
        self.bus.emit("unreadable", "error", text, name=item.path.name, moved_to=moved_to, reason=item.reason,
                      bell=self.cfg.bell)

    def hold(self, waiting: int) -> None:
        """Shots wait in the hot folder: no record is open, the last one is finished, or a `p N` awaits `y`."""
        if waiting != self.held:
            self.held = waiting
            if waiting:
                if self.flow.confirm is not None:
                    key = "confirm_first"
                elif self.flow.record is not None:
                    key = "scan_next_record"
                else:
                    key = "hold_for_record"
                self.bus.emit("hold", "warn", t(key, self.lang, n=self.flow.confirm or waiting), waiting=waiting,
                              code=key)

    def note_server(self, reachable: bool, queued: int | None, error: str = "") -> None:
        """The result of the latest attempt to reach the server (uploader or refresher): the status line follows it."""
        with self._online_lock:
            if queued is not None:
                self._last_queued = queued
            queued = self._last_queued
            if self.online is reachable:
                return
            was, self.online = self.online, reachable
        if reachable:
            if was is not None:
                self.bus.emit("online", "ok", t("online", self.lang), queued=queued)
            else:
                self.bus.emit("online", "ok", "", queued=queued)
        else:
            self.bus.emit("offline", "warn", t("offline", self.lang, queued=queued), queued=queued, error=error)

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


_EVENT_KIND = {"deleted": "deleted", "finish_queued": "finish_queued"}
