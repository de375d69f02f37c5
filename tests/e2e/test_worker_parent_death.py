"""`kill -9` of `folio serve` takes its QC worker processes with it (no orphans left checking images)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")


def _children(pid: int) -> set[int]:
    """The processes whose parent is pid (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _wait_until(condition, limit: float = 60.0) -> bool:  # noqa: ANN001
    """Poll a condition for at most `limit` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_kill_9_of_the_server_ends_its_qc_workers(live_server: LiveServer) -> None:
    live_server.extra_env["FOLIO_QC_WORKERS"] = "2"
    live_server.start()
    server_pid = live_server.proc.pid
    workers = {p for p in _children(server_pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes().decode()}
    assert len(workers) == 2, f"expected two QC workers under the server, found {workers}"

    live_server.kill()
    assert _wait_until(lambda: not any(_alive(p) for p in workers)), (
        f"QC workers outlived the killed server: {[p for p in workers if _alive(p)]}"
    )


def test_a_worker_exits_when_its_parent_dies_by_the_watchdog_alone(tmp_path: Path) -> None:
    """The portable fallback: without the parent-death signal, the watchdog notices the new parent and exits."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time, multiprocessing as mp\n"
        "from app.core import qcpool\n"
        "qcpool.sys.platform = 'other'  # no prctl: only the watchdog thread remains\n"
        "def child(parent):\n"
        "    qcpool._exit_with_parent(parent, poll_seconds=0.1)\n"
        "    time.sleep(600)\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('fork').Process(target=child, args=(os.getpid(),))\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)], cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        assert _wait_until(lambda: not _alive(child)), "the child outlived its parent without the watchdog noticing"
    finally:
        if parent.poll() is None:
            parent.kill()
