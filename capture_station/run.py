"""The working loop of `capture-station run`: source -> station -> outbox, uploader and screen beside it."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import re
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capture_station.config import Paths, StationConfig, load_session
from capture_station.events import EventBus, JsonLines
from capture_station.faults import crash_point
from capture_station.fsutil import LockBusy, ProcessLock
from capture_station.heartbeat import HeartbeatSender
from capture_station.keys import LineInput, TerminalKeys
from capture_station.messages import file_reason, t
from capture_station.numbering import drops_held, label_of
from capture_station.screen import LiveScreen, PlainLog, ScreenState
from capture_station.sources import CameraError, CameraSource, HotFolder, Shot, Unreadable, is_candidate
from capture_station.station import Station
from capture_station.uploader import TodayPoller, Uploader
from capture_station.webscreen import WebScreen

log = logging.getLogger("capture_station")
_LOGIN_USER = re.compile(r"^login\s+(\S+)$", re.IGNORECASE)


class StationBusy(RuntimeError):
    """Another capture-station process uses this outbox."""


def setup_logging(paths: Paths) -> None:
    """Log to a rotating file in the data folder (ids and codes only)."""
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(paths.log_file, maxBytes=5_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("capture_station")
    root.setLevel(logging.INFO)
    if not root.handlers:
        root.addHandler(handler)


def make_source(cfg: StationConfig) -> HotFolder | CameraSource:
    """The configured image source."""
    if cfg.source == "camera":
        return CameraSource(cfg.camera_index, width=cfg.camera_width, height=cfg.camera_height,
                            jpeg_quality=cfg.jpeg_quality)
    return HotFolder(Path(cfg.hot_folder), settle=cfg.settle_seconds, unreadable_after=cfg.unreadable_after_seconds,
                     after_pickup=cfg.after_pickup, done_folder=Path(cfg.done_folder) if cfg.done_folder else None)


def run_station(paths: Paths, cfg: StationConfig, *, plain: bool = False, events_path: Path | None = None,
                source: HotFolder | CameraSource | None = None, stdin: Any = None,
                on_ready: Callable[[Station], None] | None = None, console: bool = True, web: bool = True,
                open_browser: bool = False) -> int:
    """Run until the operator quits; the exit code.

    web: also serve the browser screen on 127.0.0.1 (its address, with this run's secret, is announced in a
    "web" event and opened in the browser with open_browser); the terminal keeps working either way.
    """
    lock = ProcessLock(paths.lock_file)
    try:
        lock.acquire()
    except LockBusy as exc:
        raise StationBusy(f"another capture-station is already running with {paths.data_dir}") from exc
    setup_logging(paths)
    bus = EventBus()
    source = source or make_source(cfg)
    station = Station(paths, cfg, bus, load_session(paths), is_camera=isinstance(source, CameraSource))
    removed = station.outbox.tidy()
    if removed:
        log.info("removed %d stray outbox files", removed)
    state = ScreenState(lang=cfg.language, source="camera" if station.is_camera else "folder")
    s = station.session
    state.operator = s.display_name if s else ""
    flow = station.flow
    state.record, state.page_count, state.record_open = label_of(flow.record), flow.end, flow.is_open
    state.next_page, state.mode = flow.next_page, flow.mode
    counts = station.outbox.counts()
    state.queued, state.rejected = counts["queued"], counts["rejected"]
    bus.subscribe(state.update)
    jsonl = JsonLines(events_path) if events_path else None
    if jsonl:
        bus.subscribe(jsonl)
    interactive = not plain and stdin is None and sys.stdin.isatty() and sys.stdout.isatty()
    if not interactive and console:
        bus.subscribe(PlainLog())
    bus.subscribe(lambda e: log.info("%s %s", e["kind"], {k: v for k, v in e.items()
                                                             if k in ("seq", "page", "code", "verdict", "level")}))

    stop = threading.Event()
    uploader, poller = Uploader(station, stop), TodayPoller(station, stop)
    uploader.start()
    poller.start()
    HeartbeatSender(station, stop, lambda: _source_state(source)).start()
    keys: LineInput = TerminalKeys() if interactive else LineInput(stdin or sys.stdin)
    previous_term = _install_sigterm(station)
    bus.emit("ready", "info", "", queued=counts["queued"], rejected=counts["rejected"], record=label_of(flow.record),
             next_page=flow.next_page, mode=flow.mode, operator=s.username if s else None)
    if s is None:
        bus.emit("auth", "warn", t("not_logged_in", cfg.language), code="not_logged_in")
    if isinstance(source, HotFolder) and (problem := source.check()):
        key = "hot_folder_missing" if not source.folder.is_dir() else "hot_folder_access"
        bus.emit("error", "error", t(key, cfg.language, folder=source.folder), detail=problem)
    station.check_disk()
    if flow.is_open:   # a record still open from the last run: its re-shoot tasks first (vendor QC, issue 15)
        station.reshoot_tasks.resume(label_of(flow.record), flow.record_id)
    if on_ready:
        on_ready(station)
    screen = _start_web(station, state, cfg, open_browser) if web else None
    live = None
    try:
        if interactive:
            from rich.live import Live

            live = Live(LiveScreen(state), refresh_per_second=6, screen=True, redirect_stdout=False)
            live.start()
            bus.subscribe(lambda e: live.console.bell() if e.get("bell") else None)
        _loop(station, source, keys, state, screen)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        station.wake.set()
        poller.poke.set()
        if live is not None:
            live.stop()
        if screen is not None:
            screen.stop()
        keys.restore()
        uploader.join(timeout=10)
        queued = station.queued()
        msg = t("quit_safe", cfg.language, queued=queued)
        bus.emit("quit", "info", msg, queued=queued)
        if interactive:
            print(msg)
        if isinstance(source, CameraSource):
            source.close()
        station.close()
        if jsonl:
            jsonl.close()
        _restore_sigterm(previous_term)
        lock.release()
    return 0


def _source_state(source: HotFolder | CameraSource) -> str:
    """'ok', or why the image source cannot deliver shots (for the heartbeat)."""
    if isinstance(source, HotFolder):
        return "hot_folder_problem" if source.check() else "ok"
    return "ok" if getattr(source, "ok", True) else "camera_problem"


def _start_web(station: Station, state: ScreenState, cfg: StationConfig, open_browser: bool) -> WebScreen | None:
    try:
        screen = WebScreen(state, port=cfg.web_port).start()
    except OSError as exc:   # the port is taken: the terminal screen still works
        station.bus.emit("error", "error", t("web_failed", cfg.language, port=cfg.web_port), detail=str(exc))
        return None
    station.bus.subscribe(screen.on_event)
    station.picture_listeners.append(screen.on_picture)
    flow = station.flow   # the record open since the last run: its strip shows its pages from the start
    screen.on_event({"kind": "record", "level": "info", "text": "", "record": label_of(flow.record),
                     "page_count": flow.end if flow.record else 0, "pages": flow.pages, "online": False})
    # the printed address works once (a one-time token exchanged for the cookie); the browser gets one of its own
    station.reshoot_tasks.thumb_listeners.append(screen.on_task_thumb)
    station.bus.emit("web", "info", t("web_opened", cfg.language, url=screen.one_time_url()), url=screen.url)
    if open_browser:
        import webbrowser

        webbrowser.open(screen.one_time_url())
    return screen


def _web_input(station: Station, source: HotFolder | CameraSource, screen: WebScreen | None,
               state: ScreenState) -> None:
    """Commands from the browser screen, taken in the run loop's thread like typed ones."""
    while screen is not None:
        try:
            kind, value = screen.commands.get_nowait()
        except queue.Empty:
            return
        if kind == "lang":   # the browser screen's own language: the terminal keeps its own
            screen.lang = value
        elif kind == "key" or not value.strip() or value.strip().lower() == "c":
            if isinstance(source, CameraSource):
                _shoot(station, source)
        else:
            _command(station, source, value)


def _loop(station: Station, source: HotFolder | CameraSource, keys: LineInput, state: ScreenState,
          screen: WebScreen | None = None) -> None:
    cfg = station.cfg
    pending_user: str | None = None
    last_disk = 0.0
    while not station.quit_requested:
        for key in keys.get():
            if key.line is not None:
                if pending_user is not None:
                    user, pending_user, keys.mask = pending_user, None, False
                    state.input_hint = ""
                    station.login(user, key.line)
                elif m := _LOGIN_USER.match(key.line.strip()):
                    pending_user, keys.mask = m.group(1), True
                    state.input_hint = f" ({t('password', cfg.language)})"
                elif key.line.strip() == "" or key.line.strip().lower() == "c":
                    if isinstance(source, CameraSource):
                        _shoot(station, source)
                else:
                    _command(station, source, key.line)
            elif key.name == "CTRL-C":
                station.quit_requested = True
            elif key.name == "ESC":
                pending_user, keys.mask, state.input_hint = None, False, ""
            elif key.name == cfg.pedal_key and isinstance(source, CameraSource):
                _shoot(station, source)
        _web_input(station, source, screen, state)
        with state.lock:
            state.input_line = "*" * len(keys.buffer) if keys.mask else keys.buffer
        now = time.monotonic()
        if now - last_disk > 5:
            station.check_disk()
            last_disk = now
        if isinstance(source, HotFolder):
            _poll_folder(station, source)
        time.sleep(0.05)


def _command(station: Station, source: HotFolder | CameraSource, line: str) -> None:
    """One typed or scanned line; a shot held while `p N` awaited `y` is dropped (un-numbered) unless it was `y`."""
    prev = station.flow
    station.handle_line(line)
    confirmed = unicodedata.normalize("NFKC", line).strip().lower() == "y"
    page = drops_held(prev, station.flow, confirmed)
    if page is not None and isinstance(source, HotFolder) and (moved := source.drop_waiting()):
        station.bus.emit("hold", "warn", t("held_dropped", station.lang, n=page, count=len(moved),
                                           moved=moved[0].parent), code="held_dropped", page=page)
        station.hold(0)


def _poll_folder(station: Station, folder: HotFolder) -> None:
    if not station.flow.is_open or station.flow.confirm is not None:
        # no open record (none yet, finished, refused) or a `p N` awaiting `y`: shots stay in the hot folder
        try:
            waiting = sum(1 for p in folder.folder.iterdir() if p.is_file() and is_candidate(p.name))
        except OSError:
            waiting = 0
        station.hold(waiting)
        return
    station.hold(0)
    if not station.accepting():
        return
    for item in folder.poll():
        if isinstance(item, Unreadable):
            station.unreadable(item, None if item.kept else str(item.path))
            continue
        _take_file(station, folder, item)
        if station.quit_requested:
            break


def _take_file(station: Station, folder: HotFolder, shot: Shot) -> None:
    if shot.pickup and (seq := station.outbox.picked_up(*shot.pickup)) is not None:
        log.info("file %s already queued as item %s; finishing its pickup", shot.name, seq)
        folder.handled(shot)
        return
    try:
        result = station.take(shot)
    except OSError as exc:  # e.g. the disk filled up while writing: the file stays in the hot folder
        station.bus.emit("error", "error", t("file_not_saved", station.lang, name=shot.name), detail=str(exc))
        folder.skip(shot)
        return
    crash_point("after_outbox_commit")
    if result is None:
        folder.skip(shot)
    elif "unreadable" in result:
        assert shot.path is not None
        moved = folder.set_aside(shot.path)   # complete but undecodable: moved aside, never deleted
        station.unreadable(Unreadable(shot.path, result["unreadable"], kept=False), str(moved) if moved else None)
    else:
        folder.handled(shot)


def _shoot(station: Station, camera: CameraSource) -> None:
    flow = station.flow
    if not flow.is_open or flow.confirm is not None:   # nothing is shot: say why
        key = "confirm_first" if flow.confirm is not None else "scan_next_record" if flow.record else "no_record"
        station.bus.emit("error", "error", t(key, station.lang, n=flow.confirm), code=key)
        return
    if not station.accepting():
        station.bus.emit("error", "error", t("disk_full", station.lang, free="-"))
        return
    try:
        shot = camera.shoot()
    except CameraError as exc:
        station.bus.emit("camera", "error", t("camera_error", station.lang, detail=t(exc.code, station.lang)),
                         code=exc.code, detail=str(exc), bell=station.cfg.bell)
        return
    result = station.take(shot)
    if result is not None and "unreadable" in result:
        station.bus.emit("camera", "error", t("camera_error", station.lang,
                                              detail=file_reason(result["unreadable"], station.lang)))


def _install_sigterm(station: Station) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None

    def _quit(signum: int, frame: Any) -> None:
        station.quit_requested = True

    try:
        return signal.signal(signal.SIGTERM, _quit)
    except (ValueError, OSError):
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)
