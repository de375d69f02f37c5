"""Small JPEG renditions of page images for the browser, made once and cached.

Pixels are read under the image policy (qc.imagefile): decoded at reduced scale, upright by the EXIF
orientation, brought to 8 bits and written as a fresh baseline JPEG: no EXIF, no ICC profile, no comments,
nothing of the camera's metadata. A page a browser would not show as the policy reads it (TIFF, 16-bit,
alpha, an EXIF orientation) gets a full-size JPEG rendition the same way. Both are made in the worker pool.

The cache sits inside the image store's folder (`<store>/.thumbs/ab/<sha256>-<kind>.jpg`), so that it
goes wherever the images go (backup, erasure) and `store verify`/`gc` ignore it (they read only the
two-letter blob folders). A store without a folder keeps a small in-memory cache instead.
"""

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from qc import imagefile, renditions

THUMB_SIDE = 320  # longest side in pixels: a 2x-sharp tile of 160 CSS pixels
THUMB_QUALITY = 78
DISPLAY_QUALITY = 90


def make_thumbnail(data: bytes, side: int = THUMB_SIDE, limits: imagefile.Limits = imagefile.DEFAULT_LIMITS) -> bytes:
    """A JPEG no larger than side x side, upright, 8-bit, without metadata (qc.imagefile's policy)."""
    return renditions.thumbnail_jpeg(data, side, THUMB_QUALITY, limits)


def make_display(data: bytes, limits: imagefile.Limits = imagefile.DEFAULT_LIMITS) -> bytes:
    """b"" when a browser shows the file itself as the policy reads it; else a full-size upright JPEG (always for
    a JPEG 2000 processed copy)."""
    if not renditions.is_jp2(data) and imagefile.probe(data, limits).browser_safe:
        return b""
    return renditions.display_jpeg(data, DISPLAY_QUALITY, limits)


def render(kind: str, data: bytes, *, max_pixels: int, max_decoded_bytes: int) -> bytes:
    """The rendition `kind` ("thumb" or "display") of a stored image; runs in the worker pool."""
    limits = imagefile.Limits(max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)
    if kind == "thumb":
        return make_thumbnail(data, limits=limits)
    if kind == "display":
        return make_display(data, limits)
    raise ValueError(f"unknown rendition {kind!r}")


class RenditionCache:
    """Renditions by (sha256, kind): on disk under `root` when given, else the last `memory_items` in memory."""

    def __init__(self, root: Path | None, memory_items: int = 256) -> None:
        self.root = Path(root) if root else None
        self.memory_items = memory_items
        self._memory: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _path(self, sha256: str, kind: str) -> Path:
        assert self.root is not None
        return self.root / sha256[:2] / f"{sha256}-{kind}.jpg"

    def get(self, sha256: str, kind: str, make: Callable[[], bytes]) -> bytes:
        """The cached rendition, or `make()` stored for next time."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256) or not kind.isalnum():
            raise ValueError("bad rendition key")
        if self.root is None:
            with self._lock:
                hit = self._memory.get((sha256, kind))
                if hit is not None:
                    self._memory.move_to_end((sha256, kind))
                    return hit
            data = make()
            with self._lock:
                self._memory[(sha256, kind)] = data
                while len(self._memory) > self.memory_items:
                    self._memory.popitem(last=False)
            return data
        path = self._path(sha256, kind)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = make()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # a reader sees the whole file or none; a cache needs no fsync
        return data
