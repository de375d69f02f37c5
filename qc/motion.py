"""Straight, even camera motion found from the power cepstrum of the text area.

A camera moving evenly through L pixels while the shutter is open convolves the page with a box L long. Its
spectrum is a sinc whose zeros repeat every 1/L along the motion, so the logarithm of the page's power spectrum
carries a ripple of period 1/L, and the Fourier transform of that logarithm (the power cepstrum) a sharp negative
peak at distance L in the motion's direction, whatever the page shows: the page's own log spectrum is smooth and
its cepstrum stays near the origin (the cepstral method of motion identification: Cannon, "Blind deconvolution of
spatially invariant image blurs with phase", IEEE Trans. ASSP 24(1), 1976; Rom, 1975).

This is the kind the edge score (qc.sharpness) cannot see: thin strokes smeared evenly become low plateaus with
steep sides, and each side still scores as a sharp edge (a form of thin print shaken 8-25 px along its lines
measured 0.93-1.0 px against a 1.0 px limit). The cepstrum is taken only for a page the edge score leaves close to
the limit (qc.checker), so the usual sharp page pays nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qc import sharpness as sh

WINDOW = 64  # working pixels: each text-area cell's central square, as qc.sharpness samples it
MIN_WINDOWS = 8  # fewer cells give too noisy a mean spectrum to read a peak from
MIN_LAG = 3.3  # working pixels: nearer the origin the page's own strokes shape the cepstrum (sharp pages reach
# -32 there, on real photos too); a motion of 6-7 px on a 12 MP frame (3-3.5 working px) is found by its second
# peak at twice its length, and is told by the one at half that distance (see _fundamental)
MAX_LAG = 28.0  # working pixels, inside half a window (longer smears: qc.smear)
MIN_PEAK = -22.0  # the peak's depth in robust standard deviations of the cepstrum around it (median and MAD over
# 2.5-31 px): even smears of 6-25 px on 12 MP frames that the edge score let pass -23 to -64 (all of them -20 to
# -75); sharp generated pages, defocus and the 13 real samples -4 to -21 beyond MIN_LAG (the deepest, -20.1, a
# downscaled real photo whose blur is far below the limit, so it is never asked), near the limit no deeper than -19
MAX_FINE_POWER = 0.25  # an even motion along a direction takes the fine detail along it: the power at 0.2-0.5
# cycles per pixel within 22.5 degrees of the motion, over that across it, is 0.007-0.2 for even shakes of 6-25 px;
# 0.3-2.2 on sharp pages and the real samples, 1.2-1.3 on ECG paper's 1 mm grid, whose cepstrum has a peak as deep
# as -23 (a grid is not smeared: its fine lines keep their detail in every direction)
MAX_WINDOWS = 48  # cells used, evenly spread over the text area (the mean spectrum is steady well before this)
HALF_PEAK = 0.5  # the point at half the lag holding this share of the peak's depth is the motion's own length

_HANN = np.outer(np.hanning(WINDOW), np.hanning(WINDOW)).astype(np.float32)
_DY, _DX = np.meshgrid(np.fft.fftfreq(WINDOW, 1.0 / WINDOW), np.fft.fftfreq(WINDOW, 1.0 / WINDOW), indexing="ij")
_RADIUS = np.hypot(_DY, _DX)
_AROUND = (_RADIUS >= 2.5) & (_RADIUS <= WINDOW / 2 - 1)
_SEARCH = (_RADIUS >= MIN_LAG) & (_RADIUS <= MAX_LAG)
_FY = np.fft.fftfreq(WINDOW)[:, None] * np.ones((1, WINDOW // 2 + 1))  # the rfft2 layout's frequencies (cycles/px)
_FX = np.fft.rfftfreq(WINDOW)[None, :] * np.ones((WINDOW, 1))
_FINE = (np.hypot(_FY, _FX) >= 0.2) & (np.hypot(_FY, _FX) <= 0.5)
_FREQ_DEG = np.degrees(np.arctan2(-_FY, _FX)) % 180.0


@dataclass(frozen=True)
class Motion:
    """A straight, even motion: its length (original pixels), direction and the depth of its cepstral peak."""

    length_px: float
    angle_deg: float  # the motion's direction, degrees counter-clockwise from the image's rows, in [0, 180)
    peak: float  # robust z-score of the cepstral peak (negative; MIN_PEAK or deeper)

    @property
    def blur_px(self) -> float:
        """The Gaussian sigma of the same spread: a box L long has the standard deviation L / sqrt(12)."""
        return self.length_px / math.sqrt(12.0)


def power_spectrum(gray: np.ndarray, corners: list[tuple[int, int]]) -> np.ndarray | None:
    """Mean power spectrum (rfft2 layout, WINDOW x WINDOW // 2 + 1 float64) of the central WINDOW squares of the
    cells at `corners` (top-left corners, working pixels, as qc.sharpness.select_cells gives them; at most
    MAX_WINDOWS, evenly thinned) of the working image; each square's mean is removed and a Hann window applied.
    None below MIN_WINDOWS."""
    if len(corners) < MIN_WINDOWS:
        return None
    if len(corners) > MAX_WINDOWS:
        corners = [corners[int(j)] for j in np.linspace(0, len(corners) - 1, MAX_WINDOWS)]
    inset = (sh.cell_size(gray.shape) - WINDOW) // 2
    wins = np.stack([sh._window(gray, y + inset, x + inset, WINDOW) for y, x in corners]).astype(np.float32)
    wins -= wins.mean(axis=(1, 2), keepdims=True)
    wins *= _HANN
    spec = np.fft.rfft2(wins)
    return (spec.real**2 + spec.imag**2).mean(axis=0)


def cepstrum(power: np.ndarray) -> np.ndarray:
    """Power cepstrum (WINDOW x WINDOW float64, lag (0, 0) at [0, 0]) of a power_spectrum."""
    return np.fft.irfft2(np.log(power + 1e-3 * power.mean() + 1e-12), s=(WINDOW, WINDOW))


def fine_power_ratio(power: np.ndarray, angle_deg: float) -> float:
    """The power at 0.2-0.5 cycles per pixel within 22.5 degrees of `angle_deg` (counter-clockwise from the rows)
    over that within 22.5 degrees of the direction across it (a power_spectrum; inf when there is none across)."""

    def fine(a: float) -> float:
        near = _FINE & (np.abs((_FREQ_DEG - a + 90.0) % 180.0 - 90.0) <= 22.5)
        return float(power[near].mean())

    across = fine((angle_deg + 90.0) % 180.0)
    return fine(angle_deg) / across if across > 0 else float("inf")


def depth(cep: np.ndarray) -> np.ndarray | None:
    """The cepstrum in robust standard deviations (median, 1.4826 x MAD) of its values 2.5 px to half a window from
    the origin (same shape); None when they do not spread (a flat page)."""
    around = cep[_AROUND]
    mid = float(np.median(around))
    spread = 1.4826 * float(np.median(np.abs(around - mid)))
    return None if spread <= 0 else (cep - mid) / spread


def straight_motion(gray: np.ndarray, corners: list[tuple[int, int]], scale: float) -> Motion | None:
    """The straight, even motion of the text area, or None when its cepstrum shows none.

    `gray` is the working image (uint8), `corners` the text-area cells, `scale` the original pixels per working
    pixel. The deepest point of the cepstrum between MIN_LAG and MAX_LAG working pixels from the origin, measured
    in robust standard deviations (median, 1.4826 x MAD) of the cepstrum around the origin, is a motion when it is
    MIN_PEAK or deeper and the fine detail along it is gone (fine_power_ratio at most MAX_FINE_POWER); its
    distance is the motion's length and its direction the motion's.
    """
    power = power_spectrum(gray, corners)
    if power is None:
        return None
    z = depth(cepstrum(power))
    if z is None:
        return None
    k = int(np.argmin(np.where(_SEARCH, z, np.inf)))
    dy, dx = float(_DY.flat[k]), float(_DX.flat[k])
    if z.flat[k] > MIN_PEAK:
        return None
    dy, dx = _fundamental(z, dy, dx)
    angle = math.degrees(math.atan2(-dy, dx)) % 180.0
    if fine_power_ratio(power, angle) > MAX_FINE_POWER:
        return None  # a periodic pattern (a grid, a halftone), not a smear
    return Motion(length_px=math.hypot(dy, dx) * scale, angle_deg=angle, peak=float(z.flat[k]))


def _fundamental(z: np.ndarray, dy: float, dx: float) -> tuple[float, float]:
    """The lag of the motion's own length: half the peak's lag when the cepstrum is deep there too (the peak found
    was the second one, at twice the length: a motion shorter than MIN_LAG), else the peak's lag."""
    hy, hx = dy / 2.0, dx / 2.0
    if math.hypot(hy, hx) < 2.5:
        return dy, dx
    depth = min(
        z[int(y) % WINDOW, int(x) % WINDOW]
        for y in {math.floor(hy), math.ceil(hy)}
        for x in {math.floor(hx), math.ceil(hx)}
    )
    here = z[int(dy) % WINDOW, int(dx) % WINDOW]
    return (hy, hx) if depth <= HALF_PEAK * here else (dy, dx)
