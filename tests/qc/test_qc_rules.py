"""Skew from the paper's ruled lines (qc.rules): faint rules outweigh handwriting that slopes."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

import qc


def _ruled_page(rule_deg: float, hand_deg: float, ruled: bool = True, seed: int = 0) -> bytes:
    """A full-frame scan (1400 x 1000 JPEG) of pale paper with faint grey rules at `rule_deg` (CCW) and rows of
    dark handwriting-like scribbles whose baselines slope at `hand_deg`."""
    rng = np.random.default_rng(seed)
    h, w = 1000, 1400
    img = np.full((h, w), 236, np.uint8)
    cx, cy = w / 2, h / 2

    def turn(x: np.ndarray, y: np.ndarray, deg: float) -> np.ndarray:  # CCW on the page (y down)
        t = math.radians(deg)
        return np.stack(
            [
                cx + (x - cx) * math.cos(t) + (y - cy) * math.sin(t),
                cy - (x - cx) * math.sin(t) + (y - cy) * math.cos(t),
            ],
            axis=1,
        )

    if ruled:
        for y in range(60, h - 40, 38):
            p = turn(np.array([40.0, w - 40.0]), np.array([y, y], float), rule_deg)
            cv2.line(img, tuple(map(int, p[0] * 16)), tuple(map(int, p[1] * 16)), 222, 2, cv2.LINE_AA, shift=4)
    for row in range(4, 23, 2):
        base = 60 + 38 * row - 6
        x = np.linspace(120, w - 160, 900)
        y = base - 9 * np.abs(np.sin(x / rng.uniform(7, 11))) - 4 * np.sin(x / 37.0)
        for a in range(0, 900, 110):  # words with gaps
            seg = turn(x[a : a + 80], y[a : a + 80], hand_deg).astype(np.int32)
            cv2.polylines(img, [seg], False, 40, 2, cv2.LINE_AA)
    noise = rng.normal(0, 2.0, img.shape)
    img = np.clip(img.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.mark.parametrize(("rule_deg", "hand_deg"), [(0.0, 1.8), (0.8, -1.5), (-1.2, 1.0), (5.0, 7.0)])
def test_skew_follows_faint_rules_not_handwriting(rule_deg: float, hand_deg: float) -> None:
    rep = qc.check(_ruled_page(rule_deg, hand_deg))
    assert rep.skew_deg == pytest.approx(rule_deg, abs=0.1), rep.metrics
    assert rep.metrics["skew_source"] == "ruled_lines"
    assert rep.metrics["skew_ruled_lines_deg"] == pytest.approx(rule_deg, abs=0.1)
    # the same handwriting on plain paper: the text lines, as before
    plain = qc.check(_ruled_page(rule_deg, hand_deg, ruled=False))
    assert plain.metrics["skew_source"] == "text_lines" and plain.metrics["skew_ruled_lines_deg"] is None
    assert plain.skew_deg == pytest.approx(hand_deg, abs=0.5)


def test_graph_paper_handwriting_sample(real_dir) -> None:
    """noteshrink's marker and pen handwriting on yellow graph paper: the faint printed grid is at 0.0° (its
    handwriting's baselines slope about 1.5°)."""
    rep = qc.check(real_dir / "edge_noteshrink_marker.jpg")
    assert rep.skew_deg == pytest.approx(0.0, abs=0.3), rep.metrics
    assert rep.metrics["skew_source"] == "ruled_lines"
    assert rep.verdict == "pass", rep.reasons
