"""A few lines of print with a long thin straight stroke over or under them: the skew is the print's, not the
stroke's (qc.skew.text_fit leaves a stroke out: `_stroke`). Scans at 600 dpi, drawn here with Noto Sans CJK."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

import qc
from bench.qc.generator import _font
from qc.skew import text_fit
from tests.qc.test_qc_dense import CHARS, PX_PER_MM, _mm, _scan


def _sheet(
    seed: int, lines: int, stroke_deg: float, stroke_mm: float, across: bool, second_deg: float | None = None
) -> np.ndarray:
    """An A4 sheet (grey uint8, 600 dpi) with `lines` lines of 3.5 mm print 40-100 mm long, 7 mm apart, and a pen
    stroke `stroke_mm` wide (0: none), 150 mm long at `stroke_deg` (CCW): through the print (`across`) or 3 mm
    under it; a second one at `second_deg` through the same middle (an X)."""
    rng = np.random.default_rng(seed)
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    d = ImageDraw.Draw(pil)
    font = _font(int(3.5 * PX_PER_MM), 0)
    assert font is not None
    y = 60.0
    for _ in range(lines):
        n = int(rng.uniform(40, 100) / 3.5)
        d.text((_mm(20), _mm(y)), "".join(CHARS[i] for i in rng.integers(0, len(CHARS), n)), font=font, fill=20)
        y += 7.0
    cy = 60.0 + lines * 3.5 if across else y + 3.0
    for deg in (stroke_deg, second_deg):
        if stroke_mm and deg is not None:
            dx, dy = math.cos(math.radians(deg)) * 75.0, -math.sin(math.radians(deg)) * 75.0
            d.line([(_mm(95 - dx), _mm(cy - dy)), (_mm(95 + dx), _mm(cy + dy))], fill=25, width=_mm(stroke_mm))
    return np.asarray(pil)


@pytest.mark.parametrize(
    ("lines", "stroke_deg", "turn", "was"),
    [(2, 27.0, 1.1, 28.12), (3, -11.0, 1.3, -9.69), (2, 16.0, -1.0, 15.0), (3, -18.0, -2.0, -20.01)],
)
def test_print_crossed_out_by_a_pen_line_reads_the_print(
    lines: int, stroke_deg: float, turn: float, was: float
) -> None:
    """A sheet of two or three lines crossed out with one 0.6 mm pen line read the pen line's slope (`was`, at
    d094348; the twelfth break-it tester's 12-28°) and failed `skew`: session 17's wide search scores each bin above
    its running mean, and one thin line outscored a few lines of print."""
    rep = qc.check(_scan(_sheet(lines, lines, stroke_deg, 0.6, across=True), turn))
    alone = qc.check(_scan(_sheet(lines, lines, stroke_deg, 0, across=True), turn)).metrics["skew_deg"]
    assert abs(rep.metrics["skew_deg"] - alone) <= 0.15, (was, alone, rep.metrics)
    assert abs(rep.metrics["skew_deg"] - turn) <= 0.3, (was, rep.metrics)
    assert "skew" not in rep.reasons, rep.metrics


@pytest.mark.parametrize(("stroke_deg", "turn"), [(-5.0, 0.6), (3.0, -0.5)])
def test_a_long_line_under_two_lines_of_print_reads_the_print(stroke_deg: float, turn: float) -> None:
    """Two lines of print over a 150 mm line 0.8 mm wide sloping a few degrees (a signature line drawn by hand)
    read the line (-4.43° and 2.51° at d094348; the tester: -5.015° for print at 0.044°). The print alone reads
    within 0.1° of its turn: two short lines of large print pin the angle down no closer; the stroke must not move
    it further."""
    rep = qc.check(_scan(_sheet(7, 2, stroke_deg, 0.8, across=False), turn))
    alone = qc.check(_scan(_sheet(7, 2, stroke_deg, 0, across=False), turn)).metrics["skew_deg"]
    assert abs(rep.metrics["skew_deg"] - alone) <= 0.15, (alone, rep.metrics)
    assert abs(rep.metrics["skew_deg"] - turn) <= 0.3, rep.metrics


def test_a_lone_line_of_small_print_is_no_stroke() -> None:
    """One line of 1.2 mm print is thin too, but it holds the ink: it is the text, not a stroke to leave out."""
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    font = _font(int(1.2 * PX_PER_MM), 0)
    assert font is not None
    ImageDraw.Draw(pil).text((_mm(20), _mm(80)), CHARS * 2, font=font, fill=20)
    ink = np.zeros((600, 420), np.uint8)
    scan = cv2.resize(np.asarray(pil), (420, 600), interpolation=cv2.INTER_AREA)
    ink[scan < 160] = 1
    turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D((210, 300), 1.0, 1.0), (420, 600))
    fit = text_fit(turned > 0)
    assert fit is not None and abs(fit[0] - 1.0) <= 0.3, fit


@pytest.mark.parametrize(("first", "second", "turn"), [(21.0, -12.0, -1.76), (-9.0, 25.0, 0.48)])
def test_print_crossed_out_with_an_x_reads_the_print(first: float, second: float, turn: float) -> None:
    """Two pen lines (an X) over three lines of print: with one stroke left out the second was read (the
    thirteenth break-it tester: -1.76° read -21.72°); a second stroke is left out too (qc.skew.MAX_STROKES)."""
    rep = qc.check(_scan(_sheet(3, 3, first, 0.6, across=True, second_deg=second), turn))
    assert abs(rep.metrics["skew_deg"] - turn) <= 0.3, rep.metrics
    assert "skew" not in rep.reasons, rep.metrics


def _hand_line(sheet: np.ndarray, x_mm: float, y_mm: float, n: int, size_mm: float, slope: float, rng) -> None:
    """A line of n 'handwritten' characters (jittered up and down and apart), sloping `slope` degrees CCW about its
    left end, drawn darkest-wins into sheet (600 dpi grey)."""
    font = _font(int(size_mm * PX_PER_MM), 0)
    assert font is not None
    wpx, hpx = _mm(n * size_mm * 1.15 + 10), _mm(size_mm * 3)
    tile = Image.new("L", (wpx, hpx), 255)
    d = ImageDraw.Draw(tile)
    x = _mm(2)
    for i in rng.integers(0, len(CHARS), n):
        d.text((x, _mm(size_mm + rng.normal(0, 0.35 * size_mm / 3.5))), CHARS[i], font=font, fill=40)
        x += _mm(size_mm * rng.uniform(0.95, 1.25))
    canvas = np.full((hpx * 4, wpx), 255, np.uint8)
    canvas[hpx * 3 // 2 : hpx * 3 // 2 + hpx] = np.asarray(tile)
    turned = cv2.warpAffine(canvas, cv2.getRotationMatrix2D((0, hpx * 2), slope, 1.0), (wpx, hpx * 4), borderValue=255)
    h, w = sheet.shape
    X, Y = _mm(x_mm), _mm(y_mm) - hpx * 2
    y0, y1, x1 = max(0, Y), min(h, Y + hpx * 4), min(w, X + wpx)
    sheet[y0:y1, X:x1] = np.minimum(sheet[y0:y1, X:x1], turned[y0 - Y : y1 - Y, : x1 - X])


def _drifting(seed: int, footer: bool) -> tuple[np.ndarray, float]:
    """An A4 sheet (600 dpi) with 2-5 lines of 4-6 mm 'handwriting', each sloping -2.5..2.5°, under a printed rule
    0.3-1 mm wide and 150-178 mm long, or (`footer`) over a 170 mm footer line of 1.2-1.6 mm print; and the turn
    the thirteenth break-it tester gave it (its pages rule_hand_notitle and footer_scan600, same seeds)."""
    rng = np.random.default_rng(seed)
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    if not footer:
        length, width = rng.uniform(150, 178), rng.uniform(0.3, 1.0)
        ImageDraw.Draw(pil).line([(_mm(18), _mm(35)), (_mm(18 + length), _mm(35))], fill=25, width=_mm(width))
    sheet = np.asarray(pil).copy()
    y = 45.0
    for _ in range(rng.integers(2, 6)):
        x, n, size, slope = rng.uniform(20, 40), int(rng.integers(8, 25)), rng.uniform(4, 6), rng.uniform(-2.5, 2.5)
        _hand_line(sheet, x, y, n, size, slope, rng)
        y += rng.uniform(10, 16)
    pil = Image.fromarray(sheet)
    if footer:
        size = rng.uniform(1.2, 1.6)
        small = _font(int(size * PX_PER_MM), 0)
        assert small is not None
        text = "".join(CHARS[i] for i in rng.integers(0, len(CHARS), int(170 / size)))
        ImageDraw.Draw(pil).text((_mm(18), _mm(270)), text, font=small, fill=20)
        turn = round(float((1 if rng.random() < 0.5 else -1) * rng.uniform(0.1, 3.0)), 2)
    else:
        turn = round(float(rng.uniform(-3, 3)), 2)
    return np.asarray(pil), turn


@pytest.mark.parametrize(("seed", "footer", "was"), [(100, False, 4.273), (101, False, 3.015), (1005, True, 2.768)])
def test_a_rule_or_footer_running_with_drifting_handwriting_gives_the_skew(seed: int, footer: bool, was: float) -> None:
    """A printed rule over lines of handwriting, or a footer line of small print under them, is thin and holds most
    of the profile: cbc581d took it for a pen stroke, left it out and read the drifting handwriting (`was`; the
    thirteenth break-it tester). The ink left scores near its best at the rule's angle, so the rule's angle stands
    (qc.skew.STROKE_AGREE)."""
    paper, turn = _drifting(seed, footer)
    rep = qc.check(_scan(paper, turn))
    assert abs(rep.metrics["skew_deg"] - turn) <= 0.15, (was, turn, rep.metrics)
