"""A sparse note photographed while the camera moved is `blur` (qc.paperedge; issue 14's receipt smeared by
motion, which was told it was empty). A few lines of print smeared 40-100 px keep only their edges along the
motion, which score sharp, and too few windows for the cepstrum (qc.motion): 10 of 29 such notes passed
(session 21). The paper's outline ramps across the motion as the print does, and the print has lost its fine detail
along it; a still photo's outline whose edges are soft (curled, shaded, banded) keeps its print's detail, and a
book's page stack, soft on one side only, is no motion."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest
from scipy.special import erf

import qc
from bench.qc.generator import _motion_kernel, random_spec
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
        1,  # 3 lines of 8 characters moved 16 px near the diagonal (52 degrees): 0.89 px, passed
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


@pytest.mark.parametrize("seed", [9, 14, 24, 0, 2, 23, 1, 37, 43, 69])
def test_the_same_notes_photographed_still_pass(seed: int) -> None:
    rep = qc.check(_note(seed, moved=False)[0])
    assert rep.reasons == [] and rep.metrics["motion_px"] is None, rep.metrics


def test_an_empty_sheet_in_a_moving_camera_stays_blank() -> None:
    """Its outline ramps as a moved note's does, but no print says the camera moved (a sheet's edges soften in
    still photos too): nothing on it was smeared, and it is blank moved or not."""
    spec = replace(random_spec(31005, "sharp"), motion_px=40.0, motion_angle_deg=20.0)
    for moved in (spec, replace(spec, motion_px=0.0)):
        rep = qc.check(_photographed_note(moved, 20.0, 0, 4.0, 10, 20, 5))
        assert rep.reasons == ["blank"] and rep.metrics["motion_seen"] is False, rep.metrics


def _still_page(
    content: str,
    soft: tuple[float, float, float, float] = (0, 0, 0, 0),
    band_mm: float = 0.0,
    tilt: float = 0.0,
    mark: tuple[float, float] = (14.0, 14.0),
) -> bytes:
    """The session-21 testers' still pages: sharp print on a sheet filling 86 % of a 4000 x 3000 frame over a dark
    mat, its top, right, bottom and left edges softened by a Gaussian of `soft` frame px each (a curled or lifted edge
    out of the depth of field), a grey band `band_mm` wide printed along left and right, the print turned `tilt`
    degrees. `content`: "text" (two lines of 4 mm print), "ruled" (8 rules, 20-190 mm across), "ruled_word" (the
    rules and a word), "barcode" (bars 15 mm high), "signature" (six strokes along the rows and a loop), "dashes" (four
    rows of dashes 0.4 mm thick along the rows, `mark` = (length, gap) frame px), "hatch" (a box 60 x 15 mm of upright
    bars `mark[0]` frame px wide and as far apart; the session-22 tester's pages)."""
    h, w, mm = 3000, 4000, 0.86 * 3000 / 297
    ph, pw = 0.86 * h, 0.86 * h * 210 / 297
    y0, x0 = (h - ph) / 2, (w - pw) / 2
    ys, xs = np.arange(h, dtype=np.float64)[:, None], np.arange(w, dtype=np.float64)[None, :]

    def inside(v: np.ndarray, a: float, b: float, sa: float, sb: float) -> np.ndarray:
        def step(t: np.ndarray, s: float) -> np.ndarray:
            return 0.5 * (1 + erf(t / (s * math.sqrt(2)))) if s else (t >= 0).astype(float)

        return np.minimum(step(v - a, sa), step(b - v, sb))

    paper = inside(ys, y0, y0 + ph, soft[0], soft[2]) * inside(xs, x0, x0 + pw, soft[3], soft[1])
    img = 30 + 205 * paper
    if band_mm:
        band = ((xs > x0) & (xs < x0 + band_mm * mm)) | ((xs < x0 + pw) & (xs > x0 + pw - band_mm * mm))
        img = np.where(band & (paper > 0.99), 120.0, img)
    ink, rng = np.zeros((h, w), np.uint8), np.random.default_rng(0)

    def at(x_mm: float, y_mm: float) -> tuple[int, int]:
        return int(x0 + x_mm * mm), int(y0 + y_mm * mm)

    def write(text: str, x_mm: float, y_mm: float) -> None:
        cv2.putText(ink, text, at(x_mm, y_mm), cv2.FONT_HERSHEY_SIMPLEX, 4 * mm / 22, 255, int(0.4 * mm), cv2.LINE_AA)

    if content == "text":
        write("Received with thanks 12.50", 25, 140)
        write("Zhang San 2024-03-01", 25, 150)
    if content.startswith("ruled"):
        for k in range(8):
            cv2.line(ink, at(20, 60 + 12 * k), at(190, 60 + 12 * k), 255, int(0.3 * mm))
        if content == "ruled_word":
            write("Stable", 25, 70)
    if content == "barcode":
        x = 60.0
        while x < 150:
            bar = float(rng.choice([0.33, 0.66, 1.0]))
            cv2.rectangle(ink, at(x, 120), at(x + bar, 135), 255, -1)
            x += bar + float(rng.choice([0.33, 0.66, 1.0]))
    if content == "signature":
        for j in range(6):
            stroke = [at(60 + 14 * j, 150 + rng.uniform(-2, 2)), at(71 + 14 * j, 150 + rng.uniform(-2, 2))]
            cv2.polylines(ink, [np.array(stroke, np.int32)], False, 255, int(0.5 * mm), cv2.LINE_AA)
        cv2.ellipse(ink, at(65, 147), (int(4 * mm), int(3 * mm)), 0, 0, 300, 255, int(0.5 * mm), cv2.LINE_AA)
    if content == "dashes":
        for r in range(4):
            x, y = at(30, 100 + 12 * r)
            pos = 0.0
            while pos + mark[0] < 120 * mm:
                cv2.rectangle(ink, (int(x + pos), y), (round(x + pos + mark[0]) - 1, y + int(0.4 * mm) - 1), 255, -1)
                pos += mark[0] + mark[1]
    if content == "hatch":
        (hx0, hy0), (hx1, hy1) = at(60, 120), at(120, 135)
        cv2.rectangle(ink, (hx0, hy0), (hx1, hy1), 255, 2)
        for bx in np.arange(hx0, hx1 - mark[0], 2 * mark[0]):
            cv2.rectangle(ink, (int(bx), hy0), (round(bx + mark[0]) - 1, hy1), 255, -1)
    if tilt:
        ink = cv2.warpAffine(ink, cv2.getRotationMatrix2D((w / 2, h / 2), tilt, 1.0), (w, h))
    img = img * (1 - 0.85 * ink / 255)
    img = cv2.GaussianBlur(img, (0, 0), 0.6) + np.random.default_rng(1).normal(0, 2.0, img.shape)
    return cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.mark.parametrize(
    ("content", "soft", "band_mm", "tilt"),
    [
        ("text", (0, 4, 0, 4), 0.0, 0.0),  # left and right curled: told the camera moved 11 px (the tester's 19 of 23)
        ("text", (6, 0, 6, 0), 0.0, 0.0),  # top and bottom
        ("text", (0, 0, 0, 0), 3.0, 0.0),  # a grey band printed along left and right: 44 px
        # the second tester's (session 21): print with no fine detail along the soft edges' direction was told the
        # camera moved 14-44 px by the print's lost detail (843fdc4); a smear's spectral zeros tell them apart
        ("ruled", (0, 5, 0, 5), 0.0, 0.0),  # a ruled continuation sheet, curled left and right: 13.9 px
        ("ruled", (4, 8, 4, 8), 0.0, 3.0),  # every side soft, the rules turned 3 degrees: 24.9 px
        ("ruled_word", (0, 8, 0, 8), 0.0, 0.0),  # 22.3 px
        ("ruled_word", (0, 0, 0, 0), 3.0, 0.0),  # a band along the rules: 44.2 px
        ("barcode", (8, 0, 8, 0), 0.0, 0.0),  # bars upright, top and bottom curled: 22.4 px
        ("signature", (0, 5, 0, 5), 0.0, 0.0),  # long strokes along the rows: 13.9 px
        ("signature", (0, 0, 0, 0), 3.0, 0.0),  # 44.2 px
    ],
)
def test_a_still_page_whose_paper_edges_are_soft_is_no_motion(
    content: str, soft: tuple[float, float, float, float], band_mm: float, tilt: float
) -> None:
    rep = qc.check(_still_page(content, soft, band_mm, tilt))
    assert rep.metrics["motion_seen"] is False and rep.metrics["motion_px"] is None, rep.metrics
    assert "blur" not in rep.reasons, rep.metrics


@pytest.mark.parametrize(
    ("content", "soft", "band_mm", "mark"),
    [
        # rows of dashes have a smear's spectral zeros: qc.motion's cepstrum read every such row as the camera moving
        # the dashes' length or pitch, with sharp paper edges too (the session-22 tester: 45 of 45); the outline is
        # as sharp across that motion as a still photo's (Outline.contradicts)
        ("dashes", (0, 0, 0, 0), 0.0, (14.0, 14.0)),  # 14 px: blur 4.04
        ("dashes", (0, 0, 0, 0), 0.0, (44.0, 44.0)),  # 44 px: blur 12.7
        ("dashes", (0, 0, 0, 0), 0.0, (20.0, 10.0)),  # the pitch, 10 px
        # the tester's marks as long as the smear curled or banded edges imply (the outline ramps as a motion's):
        # their sides are steeper than a smear that long allows (qc.paperedge.too_steep)
        ("dashes", (0, 5, 0, 5), 0.0, (14.0, 14.0)),  # curled 5 px, the outline's 13.9 px: the cepstrum's 14 px
        ("dashes", (0, 5, 0, 5), 0.0, (12.6, 6.3)),  # the outline's 13.9 px confirmed by their zeros (dip 0.36)
        ("hatch", (0, 5, 0, 5), 0.0, (14.0, 14.0)),  # bars 14 px wide and apart: dip 0.05
        ("dashes", (0, 0, 0, 0), 5.0, (74.2, 74.2)),  # a band 5 mm wide and dashes 74 px long: dip 0.01
    ],
)
def test_marks_as_long_as_a_smear_are_no_motion(
    content: str, soft: tuple[float, float, float, float], band_mm: float, mark: tuple[float, float]
) -> None:
    rep = qc.check(_still_page(content, soft, band_mm, mark=mark))
    assert rep.metrics["motion_seen"] is False and rep.metrics["motion_px"] is None, rep.metrics
    assert "blur" not in rep.reasons, rep.metrics


def _sheet_on_mat(
    ramp_x: tuple[float, float] = (0.0, 0.0),
    ramp_y: tuple[float, float] = (0.0, 0.0),
    smear: tuple[float, float] | None = None,
) -> np.ndarray:
    """A 1000 x 750 working image: a light sheet on a dark mat whose left, right, top and bottom edges rise linearly
    over the given widths (pixels; 0: a step: each is a step smeared by a box that long), with a block of print
    (strokes 2-3 px wide) smeared by a box of `smear` = (length px, degrees counter-clockwise from the rows)."""
    h, w, (x0, x1, y0, y1) = 750, 1000, (250, 750, 100, 650)
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)

    def across(v: np.ndarray, a: float, b: float, ra: float, rb: float) -> np.ndarray:
        up = np.clip((v - a) / max(ra, 1e-3) + 0.5, 0, 1) if ra else (v >= a).astype(np.float32)
        down = np.clip((b - v) / max(rb, 1e-3) + 0.5, 0, 1) if rb else (v < b).astype(np.float32)
        return np.minimum(up, down)

    ink = np.zeros((h, w), np.float32)
    rng = np.random.default_rng(4)
    for _ in range(400):  # strokes of characters in lines, every direction
        y, x = int(rng.integers(0, 6)) * 40 + 220 + int(rng.integers(0, 16)), int(rng.integers(320, 680))
        a, r = rng.uniform(0, np.pi), rng.uniform(4, 9)
        p, q = (int(x - r * np.cos(a)), int(y - r * np.sin(a))), (int(x + r * np.cos(a)), int(y + r * np.sin(a)))
        cv2.line(ink, p, q, 1.0, int(rng.integers(2, 4)))
    if smear is not None:
        ink = cv2.filter2D(ink, -1, _motion_kernel(*smear))
    paper = across(ys, y0, y1, *ramp_y)[:, None] * across(xs, x0, x1, *ramp_x)[None, :]
    img = (30 + 190 * paper) * (1 - 0.8 * ink) + np.random.default_rng(5).normal(0, 1.0, (h, w))
    return cv2.GaussianBlur(img, (0, 0), 0.4).clip(0, 255).astype(np.uint8)


QUAD = np.array([[250, 100], [750, 100], [750, 650], [250, 650]], np.float32)
PRINT = [(y, x) for y in range(220, 420, 60) for x in range(320, 660, 60)]  # cells over the print (60 px: 1000 // 16)


def test_a_side_ramp_is_read_from_20_to_80_percent_of_its_step() -> None:
    got = pe.ramps(_sheet_on_mat(ramp_x=(10.0, 10.0)), QUAD)  # top, right, bottom, left
    assert got[1] == pytest.approx(6.0, abs=0.5) and got[3] == pytest.approx(6.0, abs=0.5), got
    assert got[0] < 1.5 and got[2] < 1.5, got


def test_a_still_sheet_shows_no_motion() -> None:
    assert pe.outline_motion(_sheet_on_mat(), QUAD, 4.0, PRINT) is None


def test_an_outline_and_print_smeared_alike_give_the_motion_s_length_and_direction() -> None:
    # left and right and the print smeared by a 10 px box along the rows: a motion 40 original pixels long
    got = pe.outline_motion(_sheet_on_mat(ramp_x=(10.0, 10.0), smear=(10.0, 0.0)), QUAD, 4.0, PRINT)
    assert got is not None and got.length_px == pytest.approx(40.0, rel=0.1), got
    assert min(got.angle_deg, 180 - got.angle_deg) < 10, got
    # twice as far along the columns as along the rows, up and to the right: the hypotenuse, at atan(2)
    angle = math.degrees(math.atan2(10, 5))
    got = pe.outline_motion(
        _sheet_on_mat(ramp_x=(5.0, 5.0), ramp_y=(10.0, 10.0), smear=(math.hypot(5, 10), angle)), QUAD, 4.0, PRINT
    )
    assert got is not None and got.length_px == pytest.approx(4 * math.hypot(5, 10), rel=0.1), got
    assert got.angle_deg == pytest.approx(angle, abs=6), got  # not its mirror image: the print says which


def test_soft_edges_around_sharp_print_are_no_motion() -> None:
    """Curled or shaded edges soften the outline of a still photo: its print keeps its fine detail."""
    assert pe.outline_motion(_sheet_on_mat(ramp_x=(10.0, 10.0)), QUAD, 4.0, PRINT) is None
    assert pe.outline_motion(_sheet_on_mat(ramp_x=(10.0, 10.0), smear=(10.0, 0.0)), QUAD, 4.0, []) is None


@pytest.mark.parametrize(
    ("ramp_x", "ramp_y"),
    [
        ((12.0, 0.0), (0.0, 0.0)),  # one side soft: a book's page stack, a curled edge
        ((12.0, 5.0), (0.0, 0.0)),  # both soft, unalike
        ((12.0, 12.0), (9.0, 4.0)),  # a pair alike, the other not: no one straight motion
    ],
)
def test_sides_ramping_unlike_their_opposite_are_no_motion(
    ramp_x: tuple[float, float], ramp_y: tuple[float, float]
) -> None:
    assert pe.outline_motion(_sheet_on_mat(ramp_x, ramp_y, smear=(12.0, 0.0)), QUAD, 4.0, PRINT) is None


def test_smeared_print_falls_to_the_smear_s_spectral_zeros_along_the_motion_only() -> None:
    smeared = _sheet_on_mat(smear=(16.0, 30.0))
    assert pe.print_dip(smeared, QUAD, PRINT, 30.0, 16.0) <= pe.MAX_DIP
    assert pe.print_dip(smeared, QUAD, PRINT, 150.0, 16.0) > pe.MAX_DIP  # its mirror image across the rows
    assert pe.print_dip(_sheet_on_mat(), QUAD, PRINT, 30.0, 16.0) > pe.MAX_DIP  # still print, any length
    assert pe.print_dip(smeared, QUAD, [], 30.0, 16.0) is None  # no text area: nothing to read
