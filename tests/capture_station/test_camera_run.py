"""The camera source inside the real run loop, against the live server.

Only the camera hardware is replaced (a fake device behind the cv2.VideoCapture seam); the run loop,
station, local check, outbox, uploader and server are the real ones.
"""

from __future__ import annotations

import os
import threading
import time

import cv2
import numpy as np

from capture_station.config import load_config, station_paths
from capture_station.run import run_station
from capture_station.sources import CameraSource
from tests.capture_station.conftest import Env
from tests.capture_station.test_e2e import BARCODE
from tests.capture_station.test_sources import FakeUVCDevice
from tests.factories import page_jpeg


def test_enter_or_the_pedal_key_shoots_with_the_camera(env: Env) -> None:
    frames = [cv2.imdecode(np.frombuffer(page_jpeg(800 + i), np.uint8), cv2.IMREAD_COLOR) for i in range(3)]
    device = FakeUVCDevice([f for f in frames])
    camera = CameraSource(0, flush_frames=0, opener=lambda index: device)
    paths = station_paths(env.home)
    cfg = load_config(paths)
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "r", encoding="utf-8")
    typed = os.fdopen(write_fd, "w", encoding="utf-8", buffering=1)
    events: list[dict] = []
    ready = threading.Event()

    def on_ready(station) -> None:  # noqa: ANN001
        station.bus.subscribe(events.append)
        ready.set()

    result: list[int] = []
    th = threading.Thread(target=lambda: result.append(run_station(paths, cfg, plain=True, source=camera,
                                                                   stdin=stdin, on_ready=on_ready)))
    th.start()
    assert ready.wait(30)

    def wait(kind: str, n: int, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in list(events) if e["kind"] == kind]
            if len(found) >= n:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {n} {kind} events: {[e['kind'] for e in events]}")

    typed.write("\n")                                   # Enter before a record is open: refused, nothing shot
    typed.write(BARCODE + "\n")
    wait("record", 1)
    typed.write("\n")                                   # Enter on an empty line shoots
    wait("shot", 1)
    typed.write("c\n")                                  # so does c (and the pedal key in the live screen)
    typed.write("\n")
    shots = wait("shot", 3)
    assert [e["page"] for e in shots] == [1, 2, 3]
    assert all(e["source"].startswith("camera-") for e in shots)
    wait("uploaded", 3)
    typed.write("\n")                                   # the device has no more frames: a clear error
    err = wait("camera", 1)[0]
    assert "摄像头错误" in err["text"] and "摄像头没有给出图像" in err["text"] and err["code"] == "camera_no_picture"
    typed.write("q\n")
    th.join(30)
    assert result == [0] and device.released
    assert any(e["kind"] == "error" and "请扫描病案条码" in e["text"] for e in events)

    view = env.view()
    pages = view.pages(BARCODE)
    assert [p["page_number"] for p in pages] == [1, 2, 3] and [p["image_count"] for p in pages] == [1, 1, 1]
    uploaded = {e["page"]: e for e in events if e["kind"] == "uploaded"}
    assert all(view.current_sha(p) == sha_of_shot(events, p["page_number"]) for p in pages)
    assert set(uploaded) == {1, 2, 3}


def sha_of_shot(events: list[dict], page: int) -> str:
    """SHA-256 of the shot the station numbered `page`."""
    return next(e["sha256"] for e in events if e["kind"] == "shot" and e["page"] == page)
