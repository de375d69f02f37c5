"""Image sources: the hot folder the camera software saves into, and a UVC camera read through OpenCV."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".~")


@dataclass
class Shot:
    """One image to be numbered: its bytes and where it came from."""

    data: bytes
    name: str                      # file name (hot folder) or a generated one (camera)
    ext: str                       # ".jpg", ".png", ...
    captured_at: str               # ISO 8601 with offset
    path: Path | None = None       # the hot-folder file, until it is handled
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def pickup(self) -> tuple[str, int, str] | None:
        """(name, size, sha256) identifying the hot-folder file, so a restart never queues it twice."""
        return (self.name, len(self.data), self.sha256) if self.path else None


@dataclass
class Unreadable:
    """A file that is not a readable image: still incomplete after a long pause, or complete but undecodable."""

    path: Path
    reason: str
    kept: bool = True              # left in the hot folder (incomplete) or moved aside (undecodable)


IMAGE_STARTS = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")   # JPEG, PNG, TIFF (little, big endian)


def looks_complete(data: bytes, ext: str) -> bool:
    """The file's main image stream has ended, read from its structure (qc.streams): a JPEG's EOI after its last
    scan (not the EOI of an EXIF thumbnail inside APP1), and every MPF image it lists; a PNG's IEND chunk; every
    strip of a TIFF. The extension is not trusted; bytes that are no JPEG, PNG or TIFF are never complete."""
    try:
        from qc.streams import stream_end
    except ImportError:  # no qc on this station: fall back to a whole decode
        return bool(data) and decodes(data)
    return bool(data) and stream_end(data).complete


def decodes(data: bytes) -> bool:
    """Pillow can read the whole image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
        return True
    except Exception:  # noqa: BLE001 - any decoder failure means "not (yet) an image"
        return False


def is_candidate(name: str) -> bool:
    """An image file name that is not a temporary or hidden file."""
    low = name.lower()
    if name.startswith((".", "~", "$")) or low.endswith(TEMP_SUFFIXES):
        return False
    return low.endswith(IMAGE_EXTENSIONS)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    first_seen: float
    still_since: float
    order: int
    warned: bool = False


@dataclass
class HotFolder:
    """Picks up image files the camera software saves, once each is completely written.

    A file is ready when its size and modification time have held still for `settle` seconds, it can
    be opened (Windows keeps it locked while the writer has it), and its bytes end like a finished
    image. Files are offered in the order they appeared. A file still incomplete after
    `unreadable_after` seconds is reported once as Unreadable and left where it is; it no longer holds
    up later files, and is offered as soon as it changes into a complete image. A still file whose first bytes
    are no JPEG's, PNG's or TIFF's (a text file named .jpg) can never become one: it is moved to unreadable/.
    """

    folder: Path
    settle: float = 0.25
    unreadable_after: float = 5.0
    after_pickup: str = "delete"           # delete | move | keep
    done_folder: Path | None = None
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Seen] = field(default_factory=dict)
    _handled: set[tuple[str, int, int]] = field(default_factory=set)
    _counter: int = 0

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if self.after_pickup == "move" and self.done_folder is None:
            self.done_folder = self.folder / "done"

    @property
    def unreadable_folder(self) -> Path:
        """Where unreadable files are moved (kept for the operator to look at)."""
        return self.folder / "unreadable"

    def check(self) -> str | None:
        """A problem with the folder itself, or None."""
        if not self.folder.is_dir():
            return f"hot folder {self.folder} does not exist"
        if not os.access(self.folder, os.R_OK | os.W_OK):
            return f"hot folder {self.folder} is not readable and writable"
        return None

    def poll(self) -> list[Shot | Unreadable]:
        """Files that became ready (or hopeless) since the last poll, oldest first."""
        now = self.clock()
        try:
            entries = [e for e in os.scandir(self.folder) if is_candidate(e.name)]
        except OSError:
            return []
        stats = []
        for e in entries:
            try:
                if e.is_file():
                    stats.append((e.name, e.stat()))
            except OSError:
                continue
        stats.sort(key=lambda ns: (ns[1].st_mtime_ns, ns[0]))   # files found together: oldest first
        present = set()
        for name, st in stats:
            present.add(name)
            if (name, st.st_size, st.st_mtime_ns) in self._handled:
                continue
            seen = self._seen.get(name)
            if seen is None:
                self._counter += 1
                self._seen[name] = _Seen(st.st_size, st.st_mtime_ns, now, now, self._counter)
            elif (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                seen.size, seen.mtime_ns, seen.still_since, seen.warned = st.st_size, st.st_mtime_ns, now, False
        for name in list(self._seen):
            if name not in present:
                del self._seen[name]
        self._handled = {h for h in self._handled if h[0] in present}

        out: list[Shot | Unreadable] = []
        for name, seen in sorted(self._seen.items(), key=lambda kv: kv[1].order):
            if seen.warned:
                continue  # reported as unreadable; looked at again only when it changes
            still = now - seen.still_since
            if still < self.settle:
                break  # keep the order: a later file waits for an earlier one still being written
            path = self.folder / name
            ext = os.path.splitext(name)[1].lower()
            try:
                data = path.read_bytes()
            except PermissionError:
                break  # Windows: the writer still holds it
            except FileNotFoundError:
                continue
            if len(data) != seen.size:
                seen.size, seen.still_since = len(data), now
                break
            if looks_complete(data, ext):
                out.append(Shot(data=data, name=name, ext=ext, path=path,
                                captured_at=datetime.fromtimestamp(seen.mtime_ns / 1e9, UTC).astimezone()
                                .isoformat(timespec="seconds")))
                self._forget(name, seen)
            elif still >= self.unreadable_after and len(data) >= 4 and not data.startswith(IMAGE_STARTS) and \
                    (moved := self.set_aside(path)) is not None:
                # its first bytes are no image's (a text file named .jpg): no writer can make it one: moved aside
                self._seen.pop(name, None)
                out.append(Unreadable(moved, "not an image file", kept=False))
            elif still >= self.unreadable_after:
                # Still incomplete after a long pause. It is never moved or deleted here (its writer may only
                # have stalled, and would go on writing into the moved file); it stops holding up later files
                # and is picked up as soon as it changes and becomes a complete image.
                seen.warned = True
                out.append(Unreadable(path, "empty file" if not data.strip(b"\x00") else
                                      "not a complete JPEG/PNG/TIFF image"))
            else:
                break
        return out

    def _forget(self, name: str, seen: _Seen) -> None:
        self._seen.pop(name, None)
        self._handled.add((name, seen.size, seen.mtime_ns))

    def handled(self, shot: Shot) -> bool:
        """The shot is safe in the outbox: delete or move its file as configured.

        False when the file could not be removed (e.g. Windows: the camera software still holds it); it is
        not offered again in this run, and after a restart the outbox recognises it and does not queue it twice.
        """
        if shot.path is None or self.after_pickup == "keep":
            return True
        try:
            if self.after_pickup == "move":
                assert self.done_folder is not None
                _move_aside(shot.path, self.done_folder)
            else:
                shot.path.unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def set_aside(self, path: Path) -> Path | None:
        """Move an unreadable file into the unreadable/ folder; its new path (None if it cannot be moved)."""
        try:
            return _move_aside(path, self.unreadable_folder)
        except OSError:
            return None

    def drop_waiting(self) -> list[Path]:
        """Move every image file waiting in the hot folder into unnumbered/ (kept, never numbered); new paths.

        For the shots held while `p N` awaited `y` when another command ended the wait (see numbering.drops_held).
        """
        moved = []
        for path in sorted(p for p in self.folder.iterdir() if p.is_file() and is_candidate(p.name)):
            try:
                if (target := _move_aside(path, self.folder / "unnumbered")) is not None:
                    moved.append(target)
            except OSError:
                continue
        return moved

    def skip(self, shot: Shot) -> None:
        """Leave this file where it is for now and offer it again on a later poll (e.g. disk full)."""
        for h in list(self._handled):
            if h[0] == shot.name:
                self._handled.discard(h)


def _move_aside(path: Path, folder: Path) -> Path | None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    try:
        shutil.move(str(path), str(target))
    except FileNotFoundError:
        return None
    return target


class FrameGrabber(Protocol):
    """What the camera source needs from cv2.VideoCapture."""

    def isOpened(self) -> bool: ...  # noqa: N802, E704
    def set(self, prop: int, value: float) -> bool: ...  # noqa: E704
    def grab(self) -> bool: ...  # noqa: E704
    def read(self) -> tuple[bool, Any]: ...  # noqa: E704
    def release(self) -> None: ...  # noqa: E704


class CameraError(RuntimeError):
    """The camera could not be opened or gave no picture; `code` names the wording in capture_station.messages."""

    def __init__(self, message: str, code: str = "camera_failed") -> None:
        super().__init__(message)
        self.code = code


class CameraSource:
    """A UVC document camera read through OpenCV; `shoot()` takes one picture as JPEG bytes.

    `opener` builds the capture object (cv2.VideoCapture by default); tests pass a fake device there.
    """

    def __init__(self, index: int = 0, *, width: int = 0, height: int = 0, jpeg_quality: int = 92,
                 flush_frames: int = 2, opener: Callable[[int], FrameGrabber] | None = None) -> None:
        self.index, self.width, self.height = index, width, height
        self.jpeg_quality, self.flush_frames = jpeg_quality, flush_frames
        self._opener = opener
        self._cap: FrameGrabber | None = None
        self._count = 0

    def open(self) -> None:
        """Open the camera and ask for the configured resolution."""
        import cv2

        opener = self._opener or cv2.VideoCapture
        cap = opener(self.index)
        if not cap.isOpened():
            raise CameraError(f"camera {self.index} cannot be opened (is it plugged in, or used by another program?)",
                              "camera_cannot_open")
        if self.width and self.height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._cap = cap

    def shoot(self) -> Shot:
        """Take one picture now (stale buffered frames are dropped first)."""
        import cv2

        if self._cap is None:
            self.open()
        assert self._cap is not None
        for _ in range(self.flush_frames):
            self._cap.grab()
        ok, frame = self._cap.read()
        if not ok or frame is None or getattr(frame, "size", 0) == 0:
            raise CameraError(f"camera {self.index} gave no picture", "camera_no_picture")
        ok, buf = cv2.imencode(".jpg", frame, [int(cv2.IMWRITE_JPEG_QUALITY), self.jpeg_quality])
        if not ok:
            raise CameraError("the picture could not be encoded as JPEG", "camera_encode_failed")
        self._count += 1
        now = datetime.now(UTC).astimezone()
        return Shot(data=buf.tobytes(), name=f"camera-{now:%Y%m%d-%H%M%S}-{self._count:05d}.jpg", ext=".jpg",
                    captured_at=now.isoformat(timespec="seconds"))

    def close(self) -> None:
        """Release the camera."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
