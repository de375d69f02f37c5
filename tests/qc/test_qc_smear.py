"""qc on smears longer than the focus score's edge profiles reach (qc.smear): a camera moved through 60-200 px
of a 12 MP frame leaves the edges along the motion sharp and none across it to follow; the page was scored by the
sharp ones and passed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import qc


@pytest.mark.parametrize(("length", "angle"), [(120.0, 0.0), (80.0, 30.0), (120.0, 90.0), (200.0, 0.0)])
def test_long_smear_is_blur(page_jpeg, length: float, angle: float) -> None:
    """A receipt-like page of text lines smeared 120 px along its lines passed with blur_px 0.50."""
    data, _ = page_jpeg(seed=2003, layout="text", motion_px=length, motion_angle_deg=angle, frame_wh=(4000, 3000))
    rep = qc.check(data)
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["blur_px"] > 10.0  # the smear's size, not the sharp edges along it


def test_the_same_page_unmoved_passes(page_jpeg) -> None:
    data, _ = page_jpeg(seed=2003, layout="text", frame_wh=(4000, 3000))
    rep = qc.check(data)
    assert "blur" not in rep.reasons and rep.metrics["blur_px"] < 1.0, rep.metrics


def _ruled_sheet(vertical: bool) -> np.ndarray:
    """A blank ruled sheet on a dark desk (a continuation sheet of progress notes): nearly all its edges run
    along its lines, as a smear's do, but the few across them (the rules' ends) are sharp."""
    rng = np.random.default_rng(5)
    img = np.full((3000, 4000), 45, np.uint8)
    paper = np.full((2700, 1900), 232, np.uint8)
    for y in range(200, 2600, 70):
        paper[y : y + 3, 120:1780] = 120
    if vertical:
        paper[200:2600, 400:403] = 120
    img[150:2850, 1050:2950] = paper
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    return np.clip(img + rng.normal(0, 1.5, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("vertical", [False, True])
def test_blank_ruled_sheet_is_not_a_smear(vertical: bool) -> None:
    rep = qc.check(_ruled_sheet(vertical))
    assert rep.verdict == "pass", (rep.reasons, rep.metrics)
