"""The image store: content-addressed by SHA-256, written atomically, deduplicated."""

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredFile:
    """What the store knows of one stored blob."""

    sha256: str
    size: int
    created: bool  # False when the same content was already there


class ImageStore(Protocol):
    """What the server needs of an image store; a folder today, an object store later."""

    def put(self, data: bytes, digest: str | None = None) -> StoredFile: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> bool: ...
    def iter_hashes(self) -> Iterator[str]: ...
    def path_of(self, sha256: str) -> Path: ...


class StoreError(Exception):
    """The store cannot do what was asked (missing blob, bad hash)."""


def sha256_hex(data: bytes) -> str:
    """SHA-256 of bytes as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def _check_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise StoreError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
    return sha256


def _fsync_dir(path: Path) -> None:
    # Windows cannot open a directory for fsync; there the rename is already durable enough (NTFS journal).
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalImageStore:
    """Blobs under root/ab/cd/<sha256>; temporary files under root/.tmp, collected by gc."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        """Where the blob with this hash lives (whether or not it exists)."""
        _check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, digest: str | None = None) -> StoredFile:
        """Store bytes under their hash (pass it when already known): temp file, fsync, rename, fsync of the folder."""
        digest = digest or sha256_hex(data)
        final = self.path_of(digest)
        if final.exists() and final.stat().st_size == len(data):
            # Refresh the time stamp: gc spares young blobs, and this one is about to be referenced.
            os.utime(final)
            return StoredFile(digest, len(data), created=False)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"{digest}.{uuid.uuid4().hex}.part"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        return StoredFile(digest, len(data), created=True)

    def get(self, sha256: str) -> bytes:
        """The blob's bytes; StoreError when it is missing."""
        path = self.path_of(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"image {sha256} is missing from the store") from exc

    def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> bool:
        """Remove a blob; False when it was not there."""
        try:
            self.path_of(sha256).unlink()
            return True
        except FileNotFoundError:
            return False

    def iter_hashes(self) -> Iterator[str]:
        """Every stored blob's hash."""
        for first in sorted(p for p in self.root.iterdir() if p.is_dir() and len(p.name) == 2):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for blob in sorted(second.iterdir()):
                    if len(blob.name) == 64:
                        yield blob.name

    def iter_temporaries(self) -> Iterator[Path]:
        """Partial files left behind by an interrupted write."""
        yield from self.tmp.glob("*.part")


def verify_store(store: LocalImageStore, expected: Iterator[str]) -> dict[str, list[str]]:
    """Re-hash every referenced blob: lists of missing and corrupt hashes."""
    missing: list[str] = []
    corrupt: list[str] = []
    for digest in expected:
        path = store.path_of(digest)
        if not path.is_file():
            missing.append(digest)
            continue
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != digest:
            corrupt.append(digest)
    return {"missing": missing, "corrupt": corrupt}


def collect_garbage(
    store: LocalImageStore, referenced: set[str], *, now: float, min_age_seconds: float = 3600
) -> dict[str, int]:
    """Delete blobs no row refers to, and leftover temporary files, if older than min_age_seconds.

    The grace period protects an upload in flight: its file is stored before its row is committed.
    """
    removed = kept_young = 0
    for digest in list(store.iter_hashes()):
        if digest in referenced:
            continue
        if now - store.path_of(digest).stat().st_mtime < min_age_seconds:
            kept_young += 1
            continue
        store.delete(digest)
        removed += 1
    temporaries = 0
    for tmp in list(store.iter_temporaries()):
        if now - tmp.stat().st_mtime >= min_age_seconds:
            tmp.unlink(missing_ok=True)
            temporaries += 1
    return {"removed": removed, "temporaries": temporaries, "kept_young": kept_young}
