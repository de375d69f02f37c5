"""qc on a double image (qc.motion.double_image): the camera knocked during the shot leaves two sharp images of the
page some pixels apart, every line of print doubled. Each image's edges are sharp, the even-smear cepstrum finds
no trough, and such a page passed (the session-22 break-it tester: 27 of 29 two-image and still-plus-tail kernels
of 6-40 px; 40 of 40 double images of 6-40 px before this test file, 4 of 40 after, all under 11 px)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

import qc
from bench.qc.generator import encode_jpeg, path_kernel, random_spec, render
from qc import motion as mo
from qc.messages import message


def _photo(seed: int, length: float, angle: float, second: float) -> bytes:
    """random_spec(seed, "sharp")'s page photographed as two images `length` frame px apart along `angle`, the
    second holding `second` of the exposure (length 0: a still photo of the same page)."""
    spec = random_spec(seed, "sharp")
    kernel = path_kernel(length, angle, "ghost", second) if length else None
    img, _ = render(replace(spec, motion_px=length, motion_angle_deg=angle), kernel)
    return encode_jpeg(img, spec.jpeg_quality)


@pytest.mark.parametrize(
    ("seed", "length", "angle", "second"),
    [
        (101, 38.1, 64.7, 0.4),  # text: passed with blur_px 0.59 before qc.motion.double_image
        (103, 16.6, 40.4, 0.4),  # text
        (105, 27.7, 178.5, 0.4),  # dense print, offset along its lines
        (202, 17.8, 79.9, 0.45),  # text, offset nearly across its lines
        (231, 24.6, 156.7, 0.29),  # a form, the second image faint
        # 30-40 px: the 64 px cepstrum's trough at 2 d is shallow; read again in 128 px windows (LONG_WINDOW)
        (201, 39.7, 96.6, 0.37),  # dense print
        (216, 37.3, 131.4, 0.34),  # a sparse page
    ],
)
def test_a_double_image_is_blur_with_its_offset(seed: int, length: float, angle: float, second: float) -> None:
    rep = qc.check(_photo(seed, length, angle, second))
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["motion_px"] == pytest.approx(length, rel=0.15), rep.metrics
    msg = message("blur", rep.metrics, qc.default_profile())
    assert f"相机移动约 {round(rep.metrics['motion_px'])} 像素" in msg["zh"] and "重影" in msg["zh"], msg
    assert "every line of print appears twice" in msg["en"] and rep.metrics["motion_double"] is True, msg
    assert rep.metrics["blur_region_share"] == 1.0  # the whole text area is doubled


@pytest.mark.parametrize("seed", [101, 105, 201, 231])
def test_the_same_pages_photographed_still_pass(seed: int) -> None:
    rep = qc.check(_photo(seed, 0.0, 0.0, 0.0))
    assert rep.reasons == [] and rep.metrics["motion_px"] is None and rep.metrics["motion_double"] is False


@pytest.mark.parametrize(("seed", "length", "angle", "second"), [(703, 23.5, 101.0, 0.29), (806, 24.2, 53.0, 0.25)])
def test_a_tilted_text_page_doubled_faintly_is_blur(seed: int, length: float, angle: float, second: float) -> None:
    """The session-23 break-it tester's two misses of 68 (11-30 px): text pages of random_spec's "skew" kind (up to
    10 degrees), the second image holding a quarter of the exposure; both passed at 370330b."""
    spec = replace(random_spec(seed, "skew"), layout="text", motion_px=length, motion_angle_deg=angle)
    img, _ = render(spec, path_kernel(length, angle, "ghost", second))
    rep = qc.check(encode_jpeg(img, spec.jpeg_quality))
    assert "blur" in rep.reasons and rep.metrics["motion_px"] == pytest.approx(length, rel=0.15), rep.metrics


def _strokes(seed: int) -> np.ndarray:
    """A 1200 x 1600 page of random short dark strokes (float32, paper 220)."""
    rng = np.random.default_rng(seed)
    img = np.full((1200, 1600), 220.0, np.float32)
    for _ in range(2500):
        x, y = rng.uniform(20, 1580), rng.uniform(20, 1180)
        a, n = rng.uniform(0, np.pi), rng.uniform(3, 12)
        p, q = (int(x), int(y)), (int(x + n * np.cos(a)), int(y + n * np.sin(a)))
        cv2.line(img, p, q, 40.0, 1, cv2.LINE_AA)
    return img


def _shift(img: np.ndarray, dy: float, dx: float) -> np.ndarray:
    return cv2.warpAffine(img, np.float32([[1, 0, dx], [0, 1, dy]]), img.shape[::-1], borderMode=cv2.BORDER_REPLICATE)


def _cells(gray: np.ndarray) -> list[tuple[int, int]]:
    from qc import sharpness as sh

    size = sh.cell_size(gray.shape)
    h, w = gray.shape[0] - size - 64, gray.shape[1] - size - 64
    return [(y, x) for y in range(64, h, size) for x in range(64, w, size)]


def _power(img: np.ndarray) -> np.ndarray:
    gray = np.clip(img, 0, 255).astype(np.uint8)
    power = mo.power_spectrum(gray, _cells(gray))
    assert power is not None
    return power


@pytest.mark.parametrize(("dy", "dx", "second"), [(0.0, 12.0, 0.4), (9.0, -7.0, 0.3), (14.5, 6.2, 0.5)])
def test_double_image_reads_the_second_images_offset(dy: float, dx: float, second: float) -> None:
    page = _strokes(3)
    got = mo.double_image(_power((1 - second) * page + second * _shift(page, dy, dx)), 2.0, seen=False)
    assert got is not None and got.double >= mo.UNSEEN_GHOST
    assert got.length_px == pytest.approx(2.0 * np.hypot(dy, dx), rel=0.1)
    assert got.angle_deg == pytest.approx(np.degrees(np.arctan2(-dy, dx)) % 180.0, abs=6.0)


def test_a_long_offset_is_read_again_in_larger_windows() -> None:
    """19.6 working px across the rows: in 64 px windows the trough at 2 d is too shallow; in LONG_WINDOW it is not."""
    page = _strokes(5)
    img = 0.7 * page + 0.3 * _shift(page, 2.0, 19.5)
    gray = np.clip(img, 0, 255).astype(np.uint8)
    power = _power(img)
    assert mo.double_image(power, 2.0, seen=False) is None
    got = mo.double_image(power, 2.0, seen=False, gray=gray, corners=_cells(gray))
    assert got is not None and got.length_px == pytest.approx(2.0 * np.hypot(2.0, 19.5), rel=0.1)
    assert got.angle_deg == pytest.approx(174.1, abs=4.0)


def test_print_repeated_at_a_pitch_is_no_double_image() -> None:
    """Rows of the same marks at a pitch (dashes, dotted leaders, hatching, a monospaced column) have cepstral
    peaks at the pitch and at twice it; a double image has a trough at twice its offset."""
    page = _strokes(4)
    for pitch in (12.0, 18.0):  # the second inside LONG_WINDOW's reach only
        row = sum(_shift(page, 0.0, pitch * k) for k in range(6)) / 6.0
        gray = np.clip(row, 0, 255).astype(np.uint8)
        assert mo.double_image(_power(row), 2.0, seen=True, gray=gray, corners=_cells(gray)) is None
    assert mo.double_image(_power(page), 2.0, seen=True) is None
