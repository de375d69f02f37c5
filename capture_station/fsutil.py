"""File-system helpers that behave the same on Windows and POSIX: fsync, atomic writes, a lock, free space."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

IS_WINDOWS = sys.platform == "win32"


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable (POSIX); Windows has no directory handles to sync."""
    if IS_WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write `data` to `path` atomically: temporary file, fsync, rename, fsync of the folder.

    With `private`, the file is created readable and writable by its owner only (0600 on POSIX).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mkstemp is 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not private and not IS_WINDOWS:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def make_private_dir(folder: Path) -> None:
    """Create `folder` (and parents) and restrict it to its owner (0700 on POSIX; see restrict_windows_acl)."""
    folder.mkdir(parents=True, exist_ok=True)
    if IS_WINDOWS:
        restrict_windows_acl(folder)
    else:
        os.chmod(folder, 0o700)


def restrict_windows_acl(folder: Path) -> bool:
    """On Windows, drop inherited permissions of `folder` and grant full control to the current user only.

    The per-user AppData folder is already closed to other ordinary users; this also removes inherited
    entries. Best effort: returns False when icacls is not available or refuses.
    """
    import subprocess

    user = os.environ.get("USERNAME")
    if not IS_WINDOWS or not user:
        return False
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, no shell
            ["icacls", str(folder), "/inheritance:r", "/grant:r", f"{user}:(OI)(CI)F"],  # noqa: S607
            capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def free_bytes(folder: Path) -> int:
    """Free bytes on the disk holding `folder`."""
    return shutil.disk_usage(folder).free


class LockBusy(RuntimeError):
    """Another station process holds the lock."""


class ProcessLock:
    """An exclusive lock on a file, released by the OS when the process dies (even on kill -9)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockBusy at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held for the life of the process
        try:
            if IS_WINDOWS:
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise LockBusy(str(self.path)) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()).encode())
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Let go of the lock."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
