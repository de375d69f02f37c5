"""A shadow's soft boundary is no blur of the print (qc.light): a hand shadow taking half or more of the light
across a sparse form at 12 MP failed for blur (7 of 48 such pages), its edges outnumbering the print's in the
cells it crossed. A page found blurred is measured again without the edges where the light changes."""

from __future__ import annotations

import pytest

import qc
from bench.qc.generator import hand_shadow

TWELVE_MP = (4000, 3000)


@pytest.mark.parametrize(
    ("seed", "side", "strength", "sigma", "layout"),
    [(20027, 3, 0.76, 25.0, "sparse"), (20034, 2, 0.74, 40.0, "form"), (20038, 2, 0.76, 40.0, "text")],
)
def test_a_hand_shadow_over_sharp_print_is_not_blur(seed, side, strength, sigma, layout) -> None:
    rep = qc.check(hand_shadow(seed, side, strength, sigma, TWELVE_MP, layout=layout))
    assert "blur" not in rep.reasons, rep.metrics
    assert rep.metrics["blur_region_share"] < qc.default_profile().max_blur_region_share


@pytest.mark.parametrize(("gauss", "motion"), [(2.0, 0.0), (0.0, 10.0)])
def test_blurred_print_under_a_hand_shadow_is_still_blur(gauss: float, motion: float) -> None:
    rep = qc.check(hand_shadow(20027, 3, 0.76, 25.0, TWELVE_MP, layout="sparse", gauss_sigma=gauss, motion_px=motion))
    assert "blur" in rep.reasons, rep.metrics
