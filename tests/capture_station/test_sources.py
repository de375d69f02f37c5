"""Image sources: the hot folder's rules for when a file is ready, and the camera with a fake device."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from capture_station.sources import CameraError, CameraSource, HotFolder, Shot, Unreadable, is_candidate, looks_complete
from tests.factories import page_jpeg, png_bytes


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def folder(tmp_path: Path, **kw: object) -> tuple[HotFolder, Clock]:
    clock = Clock()
    return HotFolder(tmp_path, settle=0.25, unreadable_after=5.0, clock=clock, **kw), clock


def test_candidates_skip_temporary_hidden_and_non_image_files() -> None:
    assert is_candidate("IMG_0001.JPG") and is_candidate("scan.tiff") and is_candidate("页1.png")
    for name in ("IMG_0001.jpg.part", "IMG.tmp", ".IMG.jpg", "~IMG.jpg", "notes.txt", "IMG.jpg.crdownload",
                 "Thumbs.db"):
        assert not is_candidate(name), name


def test_complete_means_the_file_ends_like_a_finished_image() -> None:
    data = page_jpeg(1)
    assert looks_complete(data, ".jpg")
    assert looks_complete(data + b"\x00" * 64, ".jpg")          # padding after EOI
    assert not looks_complete(data[:-100], ".jpg")
    assert not looks_complete(b"\x00" * len(data), ".jpg")      # preallocated, not yet written
    assert looks_complete(png_bytes(), ".png") and not looks_complete(png_bytes()[:-5], ".png")


def test_a_file_is_offered_once_after_it_held_still(tmp_path: Path) -> None:
    hot, clock = folder(tmp_path)
    data = page_jpeg(2)
    (tmp_path / "a.jpg").write_bytes(data)
    assert hot.poll() == []                      # just seen
    clock.now += 0.1
    assert hot.poll() == []                      # not still long enough
    clock.now += 0.2
    [shot] = hot.poll()
    assert isinstance(shot, Shot) and shot.data == data and shot.pickup == ("a.jpg", len(data), shot.sha256)
    clock.now += 1
    assert hot.poll() == []                      # never twice
    hot.handled(shot)
    assert not (tmp_path / "a.jpg").exists()


def test_a_growing_file_waits_and_later_files_keep_their_order(tmp_path: Path) -> None:
    hot, clock = folder(tmp_path)
    data = page_jpeg(3)
    first = tmp_path / "1.jpg"
    first.write_bytes(data[:1000])
    hot.poll()
    (tmp_path / "2.jpg").write_bytes(page_jpeg(4))
    clock.now += 1
    assert hot.poll() == []                      # 1.jpg is incomplete: 2.jpg waits behind it
    with open(first, "ab") as fh:
        fh.write(data[1000:])
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000))
    clock.now += 0.1
    assert hot.poll() == []                      # changed: settle again
    clock.now += 0.3
    assert [s.name for s in hot.poll()] == ["1.jpg", "2.jpg"]


def test_a_stalled_file_is_reported_once_left_alone_and_taken_when_finished(tmp_path: Path) -> None:
    hot, clock = folder(tmp_path)
    data = page_jpeg(5)
    stalled = tmp_path / "1.jpg"
    stalled.write_bytes(data[:5000])
    hot.poll()
    (tmp_path / "2.jpg").write_bytes(page_jpeg(6))
    clock.now += 1
    assert hot.poll() == []                      # 2.jpg waits behind the incomplete 1.jpg...
    clock.now += 5
    out = hot.poll()
    assert [type(o).__name__ for o in out] == ["Unreadable", "Shot"]   # ...until 1.jpg is reported
    assert isinstance(out[0], Unreadable) and out[0].kept and stalled.exists()
    clock.now += 6
    assert hot.poll() == []                      # reported once
    stalled.write_bytes(data)
    os.utime(stalled, ns=(stalled.stat().st_atime_ns, stalled.stat().st_mtime_ns + 1_000_000))
    hot.poll()
    clock.now += 0.3
    [shot] = hot.poll()
    assert shot.name == "1.jpg" and shot.data == data


@pytest.mark.parametrize("mode", ["move", "keep"])
def test_after_pickup_move_or_keep(tmp_path: Path, mode: str) -> None:
    (tmp_path / "hot").mkdir()
    hot, clock = folder(tmp_path / "hot", after_pickup=mode)
    (tmp_path / "hot" / "a.jpg").write_bytes(page_jpeg(7))
    hot.poll()
    clock.now += 0.3
    [shot] = hot.poll()
    hot.handled(shot)
    if mode == "move":
        assert (tmp_path / "hot" / "done" / "a.jpg").exists() and not (tmp_path / "hot" / "a.jpg").exists()
    else:
        assert (tmp_path / "hot" / "a.jpg").exists()
        clock.now += 1
        assert hot.poll() == []                  # kept, but not offered again


def test_set_aside_never_overwrites(tmp_path: Path) -> None:
    hot, _ = folder(tmp_path)
    for content in (b"one", b"two"):
        (tmp_path / "bad.jpg").write_bytes(content)
        hot.set_aside(tmp_path / "bad.jpg")
    assert sorted(p.read_bytes() for p in hot.unreadable_folder.iterdir()) == [b"one", b"two"]


class FakeUVCDevice:
    """Stands in for the camera hardware behind cv2.VideoCapture: frames come from a list."""

    def __init__(self, frames: list[np.ndarray | None], opened: bool = True) -> None:
        self.frames, self.opened = list(frames), opened
        self.props: dict[int, float] = {}
        self.grabs = 0
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def grab(self) -> bool:
        self.grabs += 1
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        frame = self.frames.pop(0) if self.frames else None
        return frame is not None, frame

    def release(self) -> None:
        self.released = True


def test_camera_shoots_a_jpeg_of_the_current_frame() -> None:
    frame = cv2.imdecode(np.frombuffer(page_jpeg(8), np.uint8), cv2.IMREAD_COLOR)
    device = FakeUVCDevice([frame])
    cam = CameraSource(1, width=4000, height=3000, opener=lambda index: device)
    shot = cam.shoot()
    assert shot.ext == ".jpg" and shot.data.startswith(b"\xff\xd8") and shot.path is None and shot.pickup is None
    decoded = cv2.imdecode(np.frombuffer(shot.data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == frame.shape
    assert device.props == {cv2.CAP_PROP_FRAME_WIDTH: 4000, cv2.CAP_PROP_FRAME_HEIGHT: 3000}
    assert device.grabs == 2                     # stale buffered frames dropped before the shot
    cam.close()
    assert device.released


def test_camera_errors_are_clear() -> None:
    with pytest.raises(CameraError, match="cannot be opened"):
        CameraSource(0, opener=lambda i: FakeUVCDevice([], opened=False)).open()
    with pytest.raises(CameraError, match="gave no picture"):
        CameraSource(0, opener=lambda i: FakeUVCDevice([None])).shoot()


def test_a_file_that_cannot_be_an_image_is_moved_aside_once_it_is_still(tmp_path: Path) -> None:
    """Review 4: a text file named .jpg is moved to unreadable/ (it no longer counts as waiting); a stalled
    image and an empty file stay where they are."""
    hot, clock = folder(tmp_path)
    (tmp_path / "a.jpg").write_bytes(b"this is not a picture" * 10)
    (tmp_path / "b.jpg").write_bytes(page_jpeg(7)[:3000])
    (tmp_path / "c.jpg").write_bytes(b"")
    hot.poll()
    clock.now += 1
    assert hot.poll() == []                      # still for less than unreadable_after: not judged yet
    clock.now += 5
    out = {o.path.name: o for o in hot.poll()}
    assert isinstance(out["a.jpg"], Unreadable) and not out["a.jpg"].kept and out["a.jpg"].reason == "not an image file"
    assert out["a.jpg"].path == tmp_path / "unreadable" / "a.jpg" and out["a.jpg"].path.exists()
    assert out["b.jpg"].kept and out["c.jpg"].kept and (tmp_path / "b.jpg").exists() and (tmp_path / "c.jpg").exists()
    assert not (tmp_path / "a.jpg").exists()
