"""qc on a straight, even shake of thin print (qc.motion): the strokes become low plateaus with steep sides, the
edge score sees sharp edges and the page passed (blur_px 0.96-0.99 against 1.0; the break-it tester's forms
shaken 8-25 px along their lines, 27 of 108 passed). The power cepstrum shows the smear's length."""

from __future__ import annotations

import numpy as np
import pytest

import qc
from bench.qc.generator import ecg_scan, even_shake
from capture_station.localcheck import problem_regions
from qc import motion as mo
from qc import sharpness as sh
from qc.decode import load
from qc.messages import message


@pytest.mark.parametrize(
    ("seed", "layout", "tilt"),
    [(5, "form", 0.0), (6, "form", 1.0), (6, "text", 0.0)],  # each passed before qc.motion (0.958, 0.986, 0.988)
)
def test_thin_print_shaken_8_px_along_its_lines_is_blur(seed: int, layout: str, tilt: float) -> None:
    rep = qc.check(even_shake(seed, 8, 0.0, layout, sigma=0.4, tilt_deg=tilt, noise=1.0))
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["motion_px"] == pytest.approx(8.0, abs=1.5)
    msg = message("blur", rep.metrics, qc.default_profile())
    assert "相机移动约 8 像素" in msg["zh"] and "moved about 8 px" in msg["en"], msg
    # the whole text area moved: the station and the viewer outline all of it, not the worst few cells
    (box,) = problem_regions(rep)
    assert box["reason"] == "blur" and box["w"] > 0.3 and box["h"] > 0.5, box
    assert rep.metrics["blur_region_share"] == 1.0


@pytest.mark.parametrize("seed", [5, 6])
def test_the_same_pages_unshaken_pass_without_a_motion(seed: int) -> None:
    rep = qc.check(even_shake(seed, 0, 0.0, "form", sigma=0.4, noise=1.0))
    assert rep.reasons == [] and rep.metrics["motion_px"] is None, rep.metrics


@pytest.mark.parametrize(("length", "angle"), [(8, 0.0), (14, 90.0), (24, 0.0), (12, 45.0)])
def test_the_cepstrum_measures_the_length(length: int, angle: float) -> None:
    dec = load(even_shake(11, length, angle, "text"), 10**9)
    got = mo.straight_motion(dec.gray, _grid(dec.gray), dec.scale)
    assert got is not None
    assert got.length_px == pytest.approx(length, rel=0.15)
    assert got.peak <= mo.MIN_PEAK


def test_a_sharp_page_has_no_motion_even_when_asked() -> None:
    dec = load(even_shake(11, 0, 0.0, "text"), 10**9)
    assert mo.straight_motion(dec.gray, _grid(dec.gray), dec.scale) is None


def test_too_few_cells_say_nothing() -> None:
    gray = np.full((600, 800), 200, np.uint8)
    assert mo.straight_motion(gray, [(0, 0)] * (mo.MIN_WINDOWS - 1), 1.0) is None
    assert mo.straight_motion(gray, [(0, 0)] * mo.MIN_WINDOWS, 1.0) is None  # a flat page: no spread, no peak


def _grid(gray: np.ndarray) -> list[tuple[int, int]]:
    """Cells over the middle of the page (where the print is)."""
    h, w = gray.shape
    return [(y, x) for y in range(h // 5, 4 * h // 5, 128) for x in range(w // 3, 2 * w // 3, 128)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ecg_paper_grid_is_no_motion(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fine periodic grid (ECG paper's 1 mm pink grid, scanned at 600 dpi) puts a peak as deep as a shake's in the
    cepstrum (the break-it tester's scan was told "the camera moved about 16 px" and failed); its fine detail is
    the same along every direction, which a smear's is not. The check itself no longer asks (its grid reads sharp
    since the crossings are left out, qc.structure), so the cepstrum is asked directly, over the check's cells."""
    data, seen = ecg_scan(seed), []
    real = sh.select_cells
    monkeypatch.setattr(sh, "select_cells", lambda *a: seen.append(real(*a)) or seen[-1])
    rep = qc.check(data)
    assert rep.metrics["motion_px"] is None and "blur" not in rep.reasons, rep.metrics
    gray = load(data, 10**9).gray
    z = mo.depth(mo.cepstrum(mo.power_spectrum(gray, seen[0])))
    assert float(np.where(mo._SEARCH, z, np.inf).min()) <= mo.MIN_PEAK  # alone, taken for a motion
    assert mo.straight_motion(gray, seen[0], rep.metrics["work_scale"]) is None


def test_a_long_smear_is_not_told_as_the_short_motion_the_cepstrum_found() -> None:
    """The session-27 tester's 80 px shake at 10° failed `blur` (44.9 px, qc.smear) but was told "the camera
    moved about 7 px": the cepstrum's lag, a tenth of the smear. A motion under a third of the page's blur (in
    spread, length / sqrt 12) is not its length; an even shake's own length is still told (80 px read 77)."""
    prof = qc.default_profile()
    seen = {"blur_px": 44.922, "motion_px": 7.2, "motion_double": False, "motion_seen": True, "ink_ratio": 0.05}
    msg = message("blur", seen | {"smear_ratio": 0.0}, prof)
    assert "7 px" not in msg["en"] and "moved during the shot" in msg["en"] and "相机移动，" in msg["zh"], msg
    rep = qc.check(even_shake(5, 80, 10.0, "form"))
    msg = message("blur", rep.metrics, prof)
    assert "moved about 77 px" in msg["en"], (msg, rep.metrics)
