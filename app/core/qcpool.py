"""The image checks run in a pool of worker processes, never on the server's event loop or threads."""

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


def _exit_with_parent(parent_pid: int, poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """Make this worker end when the server that started it dies, even by `kill -9` (no shutdown runs then).

    Linux: prctl(PR_SET_PDEATHSIG, SIGKILL) has the kernel kill the worker with its parent. Everywhere (and as a
    fallback should the parent thread that spawned it end first): a daemon thread polls the parent's pid and exits
    the process once the worker has been re-parented (to init or a subreaper).
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl: the watchdog still works
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent_pid:
                os._exit(1)  # no clean-up: the pool's parent, its queues and its futures are gone

    threading.Thread(target=watch, name="folio-parent-watchdog", daemon=True).start()


def _init_worker(max_pixels: int, parent_pid: int | None = None, niceness: int = 0) -> None:
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    if niceness:
        os.nice(niceness)  # the background lane yields the CPU to the checks a station is waiting for
        if hasattr(os, "sched_setscheduler"):
            try:  # Linux: run only when a CPU would otherwise be idle (weight 3 against nice 19's 15)
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            except OSError:  # pragma: no cover - a kernel or container that refuses it: nice alone
                pass
    # OpenCV's own decoder limit, lowered to the server's; one OpenCV thread per worker process.
    os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(max_pixels)
    import cv2
    from PIL import Image

    cv2.setNumThreads(1)
    Image.MAX_IMAGE_PIXELS = max_pixels


def run_check(data: bytes, profile: dict | None, intentionally_blank: bool) -> dict[str, Any]:
    """Check one image in a worker; the report as a dict, or {"error", "detail"} for an unreadable image."""
    import qc

    try:
        # Vendor QC (issue 15): the page's perceptual hash, taken from the check's own decode, for finding
        # repeated pages of a record (the station computes the same with the same function).
        report, phash = qc.check_hashed(data, profile, intentionally_blank=intentionally_blank)
    except qc.QCInputError as exc:
        return {"error": getattr(exc, "code", "corrupt"), "detail": str(exc)}
    out = report.to_dict()
    out["phash"] = phash
    return out


def run_render(kind: str, data: bytes, max_pixels: int, max_decoded_bytes: int) -> bytes:
    """Make a rendition in a worker (see app.records.thumbnails.render); b"" when the file itself is shown."""
    from app.records.thumbnails import render

    return render(kind, data, max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)


def run_process(data: bytes, metrics: dict, settings: dict, max_pixels: int, max_decoded_bytes: int) -> dict[str, Any]:
    """Make a processed page copy in a worker (qc.processing.process) as a dict of its fields."""
    from dataclasses import asdict

    from qc.imagefile import Limits
    from qc.processing import Settings, process

    limits = Limits(max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)
    return asdict(process(data, metrics, Settings(**settings), limits))


class QCPool:
    """A process pool for qc.check and image renditions, sized by the settings: pixels are decoded here, never in
    the web process."""

    def __init__(
        self,
        workers: int,
        max_pixels: int,
        timeout: float,
        max_decoded_bytes: int = 400 << 20,
        quiet_seconds: float = 1.0,
        max_wait_seconds: float = 300.0,
    ) -> None:
        self.timeout = timeout
        # Issue 16: a processed copy starts only when no check, rendition or other foreground work has run for
        # quiet_seconds: while stations upload, their checks have the CPU to themselves (bench/ingest.py); the
        # copies are made in the pauses between uploads and after a burst.
        self.quiet_seconds = quiet_seconds
        # ... but no copy waits longer than max_wait_seconds: a server never quiet for a second (many stations)
        # still makes its copies during the day, at idle priority, instead of only after the last upload.
        self.max_wait_seconds = max_wait_seconds
        self._busy, self._quiet_since = 0, time.monotonic() - quiet_seconds
        self._quiet = threading.Condition()
        self.max_pixels, self.max_decoded_bytes = max_pixels, max_decoded_bytes
        self._executor = ProcessPoolExecutor(
            max_workers=max(1, workers),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(max_pixels, os.getpid()),
        )
        # Issue 16: processed page copies are made after the answer, in one low-priority worker, so that a busy
        # server checks uploads as fast as before and the copies catch up when it is idle (bench/ingest.py).
        self._background = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(max_pixels, os.getpid(), 19),
        )
        # ... fed by one thread of the web process that waits for it, so that no request waits for a copy.
        self._later = ThreadPoolExecutor(max_workers=1, thread_name_prefix="folio-copies")
        self._pending: set[object] = set()
        self._pending_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> "QCPool":
        """The pool the settings (app.core.config.Settings) describe: workers, limits, timeout, copy timing."""
        return cls(
            settings.qc_workers,
            settings.max_image_pixels,
            settings.qc_timeout_seconds,
            settings.max_decoded_bytes,
            settings.copy_quiet_seconds,
            settings.copy_max_wait_seconds,
        )

    def _foreground(self, fn: Any, *args: Any) -> Any:
        """fn(*args) in a worker, waited for; counted as foreground work (the copies wait for a quiet pool)."""
        with self._quiet:
            self._busy += 1
        try:
            return self._executor.submit(fn, *args).result(self.timeout)
        finally:
            with self._quiet:
                self._busy -= 1
                self._quiet_since = time.monotonic()
                self._quiet.notify_all()

    def wait_quiet(self) -> float:
        """Block until no foreground work runs and none ended in the last quiet_seconds, or for max_wait_seconds at
        most; the seconds waited."""
        start = time.monotonic()
        deadline = start + self.max_wait_seconds
        with self._quiet:
            while True:
                now = time.monotonic()
                left = self._quiet_since + self.quiet_seconds - now
                if (self._busy == 0 and left <= 0) or now >= deadline:
                    return now - start
                self._quiet.wait(min(deadline - now, float("inf") if self._busy else left))

    def check(self, data: bytes, profile: dict | None, intentionally_blank: bool = False) -> dict[str, Any]:
        """Run qc.check in a worker and wait for its result."""
        return self._foreground(run_check, data, profile, intentionally_blank)

    def render(self, kind: str, data: bytes) -> bytes:
        """A rendition ("thumb" or "display") made in a worker; raises QCInputError for an unreadable image."""
        return self._foreground(run_render, kind, data, self.max_pixels, self.max_decoded_bytes)

    def run(self, fn: Any, *args: Any) -> Any:
        """Any picklable CPU-bound function run in a worker (e.g. a front-page crop); waits for its result."""
        return self._foreground(fn, *args)

    def process(self, data: bytes, metrics: dict, settings: dict) -> dict[str, Any]:
        """A processed page copy made in the low-priority background worker (see run_process), once the pool is
        quiet (wait_quiet); raises QCInputError for an unreadable image."""
        self.wait_quiet()
        return self._background.submit(
            run_process, data, metrics, settings, self.max_pixels, self.max_decoded_bytes
        ).result(self.timeout)

    def later(self, fn: Callable[..., object], *args: object) -> Future:
        """Run fn(*args) in the copies' thread after what is already queued; the caller does not wait."""
        return self._later.submit(fn, *args)

    def later_once(self, key: object, fn: Callable[..., object], *args: object) -> Future | None:
        """`later`, unless work under the same key is still queued or running (None then): a page viewed ten
        times before its copy is made queues the copy once."""
        with self._pending_lock:
            if key in self._pending:
                return None
            self._pending.add(key)

        def run() -> None:
            try:
                fn(*args)
            finally:
                with self._pending_lock:
                    self._pending.discard(key)

        return self._later.submit(run)

    def wait_later(self) -> None:
        """Wait until everything queued with later() has run (tests, shutdown of a CLI)."""
        self._later.submit(lambda: None).result()

    def warm_up(self) -> None:
        """Start the workers now (importing OpenCV takes a while), not on the first upload."""
        futures = [self._executor.submit(os.getpid) for _ in range(self._executor._max_workers)]
        for f in futures:
            f.result(self.timeout)

    def close(self) -> None:
        """Stop the workers."""
        self._later.shutdown(wait=False, cancel_futures=True)  # a copy not made now: `folio store process`
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._background.shutdown(wait=True, cancel_futures=True)
