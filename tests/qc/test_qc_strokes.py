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


def _sheet(seed: int, lines: int, stroke_deg: float, stroke_mm: float, across: bool) -> np.ndarray:
    """An A4 sheet (grey uint8, 600 dpi) with `lines` lines of 3.5 mm print 40-100 mm long, 7 mm apart, and a pen
    stroke `stroke_mm` wide (0: none), 150 mm long at `stroke_deg` (CCW): through the print (`across`) or 3 mm
    under it."""
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
    dx, dy = math.cos(math.radians(stroke_deg)) * 75.0, -math.sin(math.radians(stroke_deg)) * 75.0
    if stroke_mm:
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
