"""A sparse note photographed while the camera moved is `blur` (qc.paperedge; issue 14's receipt smeared by
motion, which was told it was empty). A few lines of print smeared 40-100 px keep only their edges along the
motion, which score sharp, and too few windows for the cepstrum (qc.motion): 10 of 29 such notes passed
(session 21). The paper's outline ramps across the motion as the print does; a still photo's stays sharp, and a
book's page stack, soft on one side only, is no motion."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

import qc
from bench.qc.generator import random_spec
from qc import paperedge as pe
from qc.messages import message
from tests.qc.test_qc_blank import _photographed_note


def _note(seed: int, moved: bool = True) -> tuple[bytes, float]:
    """A note of 1-6 lines of 8-40 characters, 3-5 mm, 15-200 mm down an empty sheet, photographed while the camera
    moved 8-120 px at any angle (or still): (JPEG bytes, the motion's length in frame pixels)."""
    rng = np.random.default_rng(seed + 31000)
    length, angle = float(rng.uniform(8, 120)), float(rng.uniform(0, 180))
    lines, size_mm, chars = int(rng.integers(1, 7)), float(rng.uniform(3.0, 5.0)), int(rng.integers(8, 40))
    fill, y_mm = int(rng.choice([20, 20, 60, 110])), float(rng.uniform(15, 200))
    spec = replace(random_spec(seed + 31000, "sharp"), motion_px=length if moved else 0.0, motion_angle_deg=angle)
    return _photographed_note(spec, y_mm, lines, size_mm, chars, fill, seed), length


@pytest.mark.parametrize(
    "seed",
    [
        9,  # 5 lines of 8 characters moved 69 px at 80 degrees: read 0.5 px (sharp), passed
        14,  # 4 lines of 10 characters moved 96 px upright: 0.56 px, passed
        24,  # one line of 12 characters moved 45 px at 17 degrees: 0.5 px, passed
        0,  # 4 lines moved 47 px at 33 degrees (every side ramps): 0.79 px, passed
        2,  # one line of 11 characters moved 45 px (8 marks standing): no edge scored, passed
        23,  # one line of 14 characters moved 51 px: no edge scored, passed
        37,  # 5 lines moved 9 px: 0.70 px, passed
        43,  # one line of 20 characters moved 67 px: its ink under min_ink_ratio, 3 marks standing: blank
        69,  # one line of 10 characters moved 37 px: blank
    ],
)
def test_a_sparse_note_photographed_while_the_camera_moved_is_blur(seed: int) -> None:
    data, length = _note(seed)
    rep = qc.check(data)
    assert "blur" in rep.reasons and "blank" not in rep.reasons, rep.metrics
    # the operator is told the camera moved, and about how far (the outline's ramps, qc.paperedge.outline_motion)
    assert rep.metrics["motion_seen"] is True
    assert rep.metrics["motion_px"] == pytest.approx(length, rel=0.15), (length, rep.metrics)
    msg = message("blur", rep.metrics, qc.default_profile())
    assert f"相机移动约 {round(rep.metrics['motion_px'])} 像素" in msg["zh"], msg


@pytest.mark.xfail(
    strict=True,
    reason="moved near the diagonal (its outline's projections 3.0 and 3.8 working px, over DISTINCT), as a defocus "
    "softens all four sides; its print reads 0.89 px (open, session 21)",
)
def test_a_sparse_note_moved_near_the_diagonal_is_blur() -> None:
    rep = qc.check(_note(1)[0])  # 3 lines of 8 characters moved 16 px
    assert "blur" in rep.reasons, rep.metrics


@pytest.mark.parametrize("seed", [9, 14, 24, 0, 2, 23, 1, 37, 43, 69])
def test_the_same_notes_photographed_still_pass(seed: int) -> None:
    rep = qc.check(_note(seed, moved=False)[0])
    assert rep.reasons == [] and rep.metrics["motion_px"] is None, rep.metrics


def test_an_empty_sheet_in_a_moving_camera_is_blur_and_still_blank() -> None:
    """Nothing on a smeared sheet could have been read: the operator shoots it again; a still shot of it is blank."""
    spec = replace(random_spec(31005, "sharp"), motion_px=40.0, motion_angle_deg=20.0)
    rep = qc.check(_photographed_note(spec, 20.0, 0, 4.0, 10, 20, 5))
    assert rep.reasons == ["blur"] and rep.metrics["motion_px"] == pytest.approx(40.0, rel=0.15), rep.metrics
    rep = qc.check(_photographed_note(replace(spec, motion_px=0.0), 20.0, 0, 4.0, 10, 20, 5))
    assert rep.reasons == ["blank"], rep.metrics


def _sheet_on_mat(ramp_x: tuple[float, float] = (0.0, 0.0), ramp_y: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A 1000 x 750 analysis image: a light sheet on a dark mat whose left, right, top and bottom edges rise linearly
    over the given widths (pixels; 0: a step): each is a step smeared by a box that long."""
    h, w, (x0, x1, y0, y1) = 750, 1000, (250, 750, 100, 650)
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)

    def across(v: np.ndarray, a: float, b: float, ra: float, rb: float) -> np.ndarray:
        up = np.clip((v - a) / max(ra, 1e-3) + 0.5, 0, 1) if ra else (v >= a).astype(np.float32)
        down = np.clip((b - v) / max(rb, 1e-3) + 0.5, 0, 1) if rb else (v < b).astype(np.float32)
        return np.minimum(up, down)

    paper = across(ys, y0, y1, *ramp_y)[:, None] * across(xs, x0, x1, *ramp_x)[None, :]
    img = 30 + 190 * paper
    return cv2.GaussianBlur(img, (0, 0), 0.4).astype(np.uint8)


QUAD = np.array([[250, 100], [750, 100], [750, 650], [250, 650]], np.float32)


def test_the_outline_of_a_still_sheet_shows_no_motion() -> None:
    assert pe.outline_motion(_sheet_on_mat(), QUAD, 4.0) is None


def test_the_outline_ramping_across_a_motion_gives_its_length_and_direction() -> None:
    # left and right smeared by a 10 px box, top and bottom sharp: a motion along the rows, 40 original pixels long
    got = pe.outline_motion(_sheet_on_mat(ramp_x=(10.0, 10.0)), QUAD, 4.0)
    assert got is not None and got.length_px == pytest.approx(40.0, rel=0.1) and got.angle_deg < 10, got
    # twice as far along the columns as along the rows: the hypotenuse, at atan(2) from the rows
    got = pe.outline_motion(_sheet_on_mat(ramp_x=(5.0, 5.0), ramp_y=(10.0, 10.0)), QUAD, 4.0)
    assert got is not None and got.length_px == pytest.approx(4 * math.hypot(5, 10), rel=0.1), got
    assert got.angle_deg == pytest.approx(63.4, abs=5), got


@pytest.mark.parametrize(
    ("ramp_x", "ramp_y"),
    [
        ((12.0, 0.0), (0.0, 0.0)),  # one side soft: a book's page stack, a curled edge
        ((12.0, 5.0), (0.0, 0.0)),  # both soft, unalike
        ((12.0, 12.0), (9.0, 4.0)),  # a pair alike, the other not: no one straight motion
        ((10.0, 10.0), (10.0, 10.0)),  # all four alike: a defocus (or a diagonal motion), left to the print
    ],
)
def test_sides_ramping_unlike_their_opposite_or_all_alike_are_no_motion(
    ramp_x: tuple[float, float], ramp_y: tuple[float, float]
) -> None:
    assert pe.outline_motion(_sheet_on_mat(ramp_x, ramp_y), QUAD, 4.0) is None
