"""A dense form (长期医嘱单: a table of 1.6 mm print on every line, ink on ~40 % of the text area), found by the
ninth break-it tester (session 14) with its own page drawer: out of focus at sigma 3 px it passes, because its
blurred print merges past any edge to follow, its cells fall silent (7 of 80 scored) and the few still scored are
its thin rules, which read sharp (qc.rules.line_mask's docstring). No blurred cell is left to start the re-scoring
of silent cells (qc.sharpness.rescore_silent). The same before session 14's straight-edge reading."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

import qc
from bench.qc.generator import _font

PX_PER_MM = 600 / 25.4
CHARS = (
    "患者主诉既往史现病史体格检查诊断治疗医嘱护理记录出院入院手术麻醉血压脉搏呼吸体温"
    "神志清楚精神可饮食睡眠二便正常心肺腹部未见异常0123456789"
)


def _mm(v: float) -> int:
    return int(round(v * PX_PER_MM))


def _form(seed: int, size_mm: float = 1.6) -> np.ndarray:
    """An A4 order sheet drawn at 600 dpi (grey uint8): rules every size_mm + 1.6 mm, seven columns of text."""
    rng = np.random.default_rng(seed)
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    d = ImageDraw.Draw(pil)
    font = _font(int(size_mm * PX_PER_MM), 0)  # Noto Sans CJK (fonts-noto-cjk, scripts/debian-packages.sh)
    assert font is not None
    cols = [12, 30, 45, 110, 130, 150, 170, 198]
    y = 25.0
    while y < 285:
        d.line([(_mm(12), _mm(y)), (_mm(198), _mm(y))], fill=30, width=_mm(0.15))
        for c0, c1 in zip(cols, cols[1:], strict=False):
            n = max(1, int((c1 - c0 - 1) / size_mm))
            if rng.random() < 0.85:
                text = "".join(CHARS[i] for i in rng.integers(0, len(CHARS), n))
                d.text((_mm(c0 + 0.5), _mm(y + 0.6)), text, font=font, fill=20)
        y += size_mm + 1.6
    for c in cols:
        d.line([(_mm(c), _mm(25)), (_mm(c), _mm(285))], fill=30, width=_mm(0.15))
    return np.asarray(pil)


def _photo(paper: np.ndarray, sigma: float) -> bytes:
    """The sheet filling 87 % of a 4000 x 3000 frame's height on a dark mat, camera softness 0.6 px plus `sigma`."""
    ph = int(0.87 * 3000)
    pw = int(ph * 210 / 297)
    frame = np.full((3000, 4000), 50, np.float32)
    y0, x0 = (3000 - ph) // 2, (4000 - pw) // 2
    frame[y0 : y0 + ph, x0 : x0 + pw] = cv2.resize(paper, (pw, ph), interpolation=cv2.INTER_AREA)
    img = cv2.GaussianBlur(frame, (0, 0), math.hypot(0.6, sigma))
    img += np.random.default_rng(0).normal(0, 2, img.shape).astype(np.float32)
    return cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.fixture(scope="module")
def form() -> np.ndarray:
    return _form(1)


def test_the_sharp_dense_form_passes(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 0.0))
    assert rep.reasons == [], rep.metrics


def test_the_dense_form_at_sigma_1_5_fails(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 1.5))
    assert "blur" in rep.reasons, rep.metrics


@pytest.mark.xfail(strict=True, reason="module docstring: blurred dense print falls silent, thin rules read sharp")
def test_the_dense_form_at_sigma_3_fails(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 3.0))
    assert "blur" in rep.reasons, rep.metrics
