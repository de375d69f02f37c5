"""The uint8 fast paths of qc's measurement give what the float/bool formulas they replace give, pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from qc import checker, occlusion, page, sharpness, stats, textmarks


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


def test_median_is_numpys_to_the_bit() -> None:
    """qc.stats.median equals np.median for odd and even lengths and the dtypes qc takes medians of."""
    rng = np.random.default_rng(5)
    for n in range(1, 80):
        for values in (
            rng.random(n).astype(np.float32),
            rng.normal(size=n),
            rng.integers(-50, 50, n).astype(np.int64),
        ):
            assert stats.median(values) == float(np.median(values))


def test_median_of_nothing_is_an_error() -> None:
    with pytest.raises(IndexError):
        stats.median(np.empty(0))


def test_rises_are_the_extrema_of_both_halves() -> None:
    """_rises(prof, c) gives what _extremum gives on each half of the profiles taken alone."""
    rng = np.random.default_rng(7)
    prof = np.cumsum(rng.normal(size=(300, 17)), axis=1).astype(np.float32)
    c = 8
    up, dn, ok_up, ok_dn = sharpness._rises(prof, c)
    want_up, want_ok_up = sharpness._extremum(prof[:, c:])
    want_dn, want_ok_dn = sharpness._extremum(-prof[:, c::-1])
    for got, want in ((up, want_up), (dn, want_dn), (ok_up, want_ok_up), (ok_dn, want_ok_dn)):
        assert np.array_equal(got, want)


def test_halving_averages_each_two_by_two_block() -> None:
    """checker._halve is the rounded mean of each 2 x 2 block; an odd last row and column are left out."""
    rng = np.random.default_rng(11)
    grey = rng.integers(0, 256, (151, 203), dtype=np.uint8)
    got = checker._halve(grey)
    blocks = grey[:150, :202].astype(np.int32).reshape(75, 2, 101, 2).sum(axis=(1, 3))
    assert got.shape == (75, 101)
    assert np.abs(got.astype(np.int32) - (blocks + 2) // 4).max() <= 1


def test_sharpness_is_reproducible(page_jpeg) -> None:
    """The same pixels give the same sharpness figures call after call and from a strided view: the edges are
    chosen on integer gradients, with no last-bit float differences between the SIMD paths a buffer's alignment
    selects."""
    gray = cv2.imdecode(np.frombuffer(page_jpeg()[0], np.uint8), cv2.IMREAD_GRAYSCALE)
    padded = np.zeros((gray.shape[0], gray.shape[1] + 3), np.uint8)
    padded[:, 1 : 1 + gray.shape[1]] = gray
    cells = sharpness.select_cells(np.ones((gray.shape[0] // 2, gray.shape[1] // 2), bool), 2, gray.shape)
    runs = [sharpness.measure(g, cells) for g in (gray, gray.copy(), padded[:, 1 : 1 + gray.shape[1]], gray)]
    first = runs[0]
    assert first is not None and first.edges > 1000
    for r in runs[1:]:
        assert r is not None
        assert (r.overall, r.worst_direction, r.edges) == (first.overall, first.worst_direction, first.edges)
        assert [c.score for c in r.cells] == [c.score for c in first.cells]


def _cut_sides_whole_image(ink: np.ndarray, max_marks: int) -> tuple[list[str], list[int]]:
    """text_cut_sides as it was: the whole image labelled at once."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h, w = ink.shape
    x, y = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    bw, bh = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    long_side = max(h, w)
    text = (bh >= 4) & (bh <= 0.06 * long_side) & (bw <= 0.1 * long_side)
    touching = (y <= 1, x + bw >= w - 1, y + bh >= h - 1, x <= 1)
    counts = [int(np.count_nonzero(t & text)) for t in touching]
    return [n for n, c in zip(textmarks.CUT_SIDES, counts, strict=True) if c > max_marks], counts


@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (60, 50), (7, 9)])
def test_cut_sides_in_bands_match_the_whole_image(shape: tuple[int, int]) -> None:
    """Labelling only a band along each side counts the same cut marks as labelling the whole image: marks
    text-sized and not, touching one side, two sides, or reaching out of the band (a long stroke, a U whose
    arms touch the side and join beyond the band)."""
    rng = np.random.default_rng(sum(shape))
    h, w = shape
    for density in (0.0, 0.02, 0.08, 0.3):
        ink = rng.random(shape) < density
        ink = cv2.dilate(ink.astype(np.uint8), np.ones((3, 2), np.uint8)).astype(bool)
        ink[: h // 2, 5:7] = True  # a stroke from the top, too long to be text
        r = min(h - 1, int(0.06 * max(shape)) + 6)  # a U: two arms from the top joined below the top band
        ink[: r + 1, 20:22] = ink[: r + 1, 30:32] = ink[r, 20:32] = True
        assert textmarks.text_cut_sides(ink, 2) == _cut_sides_whole_image(ink, 2)
