"""The uint8 fast paths of qc's measurement give what the float/bool formulas they replace give, pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np

from qc import occlusion, page, sharpness


def test_occlusion_dark_lookup_matches_the_float_comparison() -> None:
    """grey < DARKER * level, compared in float32 as before, for every (grey, level) pair of 8-bit images."""
    grey, level = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    slow = grey.astype(np.float32) < occlusion.DARKER * level.astype(np.float32)
    fast = cv2.compare(grey, cv2.LUT(level, occlusion._DARK_BELOW), cv2.CMP_LT) > 0
    assert np.array_equal(slow, fast)


def test_ink_mask_matches_the_threshold_and_region_formula() -> None:
    """ink_mask on a 0/255 or a 0/1 region equals (black-hat > threshold) & (region > 0), at whole and
    fractional thresholds (contrast 0.3 gives 20.0, 0.77 gives 49.0875)."""
    rng = np.random.default_rng(3)
    grey = rng.integers(0, 256, (120, 160), dtype=np.uint8)
    region = (rng.random((120, 160)) > 0.3).astype(np.uint8)
    hat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    for contrast in (0.3, 0.77, 0.93):
        want = (hat > max(20.0, 0.25 * contrast * 255.0)) & (region > 0)
        for r in (region, region * 255):
            got = page.ink_mask(grey, r, contrast)
            assert got.dtype == bool and np.array_equal(got, want)


def test_short_profiles_are_the_head_of_the_full_ones() -> None:
    """The first sampling (±4 px) uses the same offsets as the full one (±REACH), so an extremum found there is
    the one the full profile finds first."""
    c = len(sharpness._SHORT) // 2
    assert sharpness._SHORT[c] == 0.0
    assert np.array_equal(sharpness._SHORT, sharpness._OFFS[sharpness._C - c : sharpness._C + c + 1])
