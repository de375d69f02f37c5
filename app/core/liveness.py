"""Who holds a claim, and whether that worker still runs: background jobs write `worker_name()` into the rows
they claim, and a job that starts after a crash (kill -9, power cut) takes over the claims of the dead process
at once instead of waiting for the claim to go stale.

A name is host:pid:start:thread, start being the process's start time in clock ticks since boot (Linux
/proc/<pid>/stat, field 22), so a pid reused by another process after a restart is not mistaken for the worker.
Only claims made on this host can be judged; another host's claims wait for their timeout.
"""

import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path


def _start_ticks(pid: int) -> str:
    """The process's start time since boot in clock ticks ('' when /proc cannot tell: not Linux, or no such pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()  # the command name in (...) may hold spaces
    return fields[19] if len(fields) > 19 else ""  # field 22 of the whole line = 20th after "pid (comm)"


def worker_name() -> str:
    """host:pid:start:thread of the calling thread, at most 80 characters (the claim columns' width)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}:{threading.get_ident() % 100000}"[:80]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def gone(names: Iterable[str | None]) -> list[str]:
    """The worker names (as worker_name() wrote them) of processes on this host that no longer run, or whose pid
    now belongs to a process started at another time. Names from other hosts, and names that cannot be read
    (another format, a cut host name) are never called gone: their claims wait for the caller's timeout."""
    host, out = socket.gethostname(), []
    for name in {n for n in names if n}:
        parts = name.rsplit(":", 3)
        if len(parts) != 4 or parts[0] != host or not parts[1].isdigit():
            continue
        pid, start = int(parts[1]), parts[2]
        if not _running(pid) or (start and _start_ticks(pid) not in ("", start)):
            out.append(name)
    return sorted(out)
