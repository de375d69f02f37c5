"""Straight, even camera motion found from the power cepstrum of the text area.

A camera moving evenly through L pixels while the shutter is open convolves the page with a box L long. Its
spectrum is a sinc whose zeros repeat every 1/L along the motion, so the logarithm of the page's power spectrum
carries a ripple of period 1/L, and the Fourier transform of that logarithm (the power cepstrum) a sharp negative
peak at distance L in the motion's direction, whatever the page shows: the page's own log spectrum is smooth and
its cepstrum stays near the origin (the cepstral method of motion identification: Cannon, "Blind deconvolution of
spatially invariant image blurs with phase", IEEE Trans. ASSP 24(1), 1976; Rom, 1975).

This is the kind the edge score (qc.sharpness) cannot see: thin strokes smeared evenly become low plateaus with
steep sides, and each side still scores as a sharp edge (a form of thin print shaken 8-25 px along its lines
measured 0.93-1.0 px against a 1.0 px limit). The cepstrum is taken for every page with scored edges (qc.focus), on
stricter evidence for one whose edges read sharp; its windows' FFTs (scipy.fft) cost about 1 ms of the check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

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
SHARP_PEAK, SHARP_FINE_POWER = -32.0, 0.1  # a page whose edges read sharp (under qc.focus.NEAR_LIMIT) has moved
# only on stronger evidence, a deeper peak and nearly all the fine detail along it gone: dense print (a 1.6 mm order
# sheet) shaken 16-20 px at 30 degrees reads sharp, 0.5 px, with peaks of -36 to -54 and 0.05-0.1 of the detail
# left; the deepest peaks of sharp pages, -27.5 (handwritten loops, 0.095 left) and -27.9 (0.19 left)
PRINT_SHARE = 0.4  # a cell this much ink (qc.page.ink_mask) is dense print: 0.51-0.64 on order sheets of 1.2-2 mm
# print, sharp or shaken; the inkiest cells of sharp pages, tables, charts, pictures and the real samples 0.03-0.32
PRINT_WINDOWS = 16  # the windows richest in print that smeared_print reads
MAX_PRINT_FINE = 0.05  # their median fine power along a direction over that across it, at most: a smear along it.
# Dense print shaken 6-20 px along its lines, which the cepstrum misses: 0.001-0.012 (4 px: 0.02-0.04); sharp
# pages >= 0.15 (1.2 mm print 0.15, real samples 0.18-0.8, generated 0.18-0.83). Ruled sheets read 0.000-0.002
# but none of their windows is half print (0.14-0.33)
FINE_LOW = 0.2  # cycles per pixel: the fine detail's band starts here and runs to 0.5
MIN_COARSE = 0.004  # and along it the coarse band (0.03-0.1 cycles per pixel) keeps at least this share of that
# across it (median over the windows): smeared print still varies along the smear, word by word (0.011-0.065,
# sharp or shaken); hatching and ruled lines do not vary along themselves at all (0.0009: a sharp block of 2 px
# hatching read as a 10 px shake, break-it tester 11)
MAX_WINDOWS = 48  # cells used, evenly spread over the text area (the mean spectrum is steady well before this)
HALF_PEAK = 0.5  # the point at half the lag holding this share of the peak's depth is the motion's own length
GHOST_PEAK, GHOST_ECHO = 45.0, -4.0  # a double image: its cepstrum's peak at the second image's offset d, at least
# this high, and at 2 d this low or lower (double_image). Double images of 6-40 px (60/40 of the exposure) on 12 MP
# frames: peaks 49-155 with -4.3 to -32 at 2 d where found; 182 sharp generated pages and the real samples: no
# point both (the nearest, text 16 px apart across the rows of a page: 64 and -4.3, taken by the outline)
UNSEEN_GHOST = 1.5  # times both, where the paper's outline cannot confirm it (cut off, no mat, a scan)
MIN_GHOST_LAG = 5.5  # working pixels: nearer the origin, strokes a few pixels apart shape the cepstrum both ways
MAX_GHOST_LAG = WINDOW / 3  # 2 d must not wrap round the window onto d; past WINDOW / 4, only the second look
# (LONG_WINDOW) decides: a row of marks 18 px apart read a double image at 2 d wrapped round the window
LONG_WINDOW, LONG_WINDOWS = 128, 24  # offsets from LONG_LAG working px are looked at again in this many windows
# this large (a 64 px Hann window keeps little of 2 d there: double images of 30-40 px had troughs of -2 to -3)
LONG_LAG, LONG_ASK = 11.5, 20.0  # ... where the 64 px cepstrum has a peak at least LONG_ASK high
LONG_PEAK, LONG_ECHO = 70.0, -6.0  # the 128 px cepstrum's bounds at d and 2 d (as GHOST_PEAK and GHOST_ECHO): double
# images of 15-40 px there 91-181 and -7.8 to -30; the 59 second looks the cached bench pages and real samples took,
# troughs of +0.4 or more (print repeated at a pitch: rows of characters, chart grids)

_DY, _DX = np.meshgrid(np.fft.fftfreq(WINDOW, 1.0 / WINDOW), np.fft.fftfreq(WINDOW, 1.0 / WINDOW), indexing="ij")
_RADIUS = np.hypot(_DY, _DX)
_SEARCH = (_RADIUS >= MIN_LAG) & (_RADIUS <= MAX_LAG)
_AROUND_ONE = np.arange(-1, 2)
_GHOST_SEARCH = (_RADIUS >= MIN_GHOST_LAG) & (_RADIUS <= MAX_GHOST_LAG) & ((_DY > 0) | ((_DY == 0) & (_DX > 0)))
_FY = np.fft.fftfreq(WINDOW)[:, None] * np.ones((1, WINDOW // 2 + 1))  # the rfft2 layout's frequencies (cycles/px)
_FX = np.fft.rfftfreq(WINDOW)[None, :] * np.ones((WINDOW, 1))
_R = np.hypot(_FY, _FX)
_FINE = (_R >= FINE_LOW) & (_R <= 0.5)
_FREQ_DEG = np.degrees(np.arctan2(-_FY, _FX)) % 180.0
_LAG_DEG = np.degrees(np.arctan2(-_DY, _DX)) % 180.0


def _near(degrees: np.ndarray, angle: float) -> np.ndarray:
    """Where a grid of directions (degrees, in [0, 180)) lies within 22.5 degrees of `angle` (bool, same shape)."""
    return np.abs((degrees - angle + 90.0) % 180.0 - 90.0) <= 22.5


_ANGLES = np.arange(0.0, 180.0, 5.0)  # directions smeared_print compares
_ACROSS = len(_ANGLES) // 2  # the index step from a direction to the one across it
_WEDGES = np.stack([(_FINE & _near(_FREQ_DEG, a)).ravel() for a in _ANGLES], axis=1).astype(np.float64)
_WEDGES /= _WEDGES.sum(axis=0)
_COARSE = [  # the coarse band (0.03-0.1 cycles per pixel) near each of _ANGLES, flat indices
    np.flatnonzero((_R >= 0.03) & (_R <= 0.1) & _near(_FREQ_DEG, a)) for a in _ANGLES
]


@dataclass(frozen=True)
class Motion:
    """A straight, even motion: its length (original pixels), direction and the depth of its cepstral peak."""

    length_px: float
    angle_deg: float  # the motion's direction, degrees counter-clockwise from the image's rows, in [0, 180)
    peak: float  # robust z-score of the cepstral peak (negative; MIN_PEAK or deeper); 0: found without one
    measured: bool = True  # False: the length is smeared_print's lower bound, not a cepstral peak's distance
    double: float = 0.0  # a double image's strength (double_image: 1 at GHOST_PEAK and GHOST_ECHO); 0: a smear

    @property
    def blur_px(self) -> float:
        """The Gaussian sigma of the same spread: a box L long has the standard deviation L / sqrt(12). A double
        image's is L sqrt(p (1 - p)) for a share p of the exposure in the second, which is not measured: L / sqrt(12)
        is its value at p = 0.09, under it for any second image the cepstrum finds."""
        return self.length_px / math.sqrt(12.0)


def double_image(
    power: np.ndarray,
    scale: float,
    seen: bool,
    gray: np.ndarray | None = None,
    corners: list[tuple[int, int]] | None = None,
) -> Motion | None:
    """Two images of the page, the camera knocked between them (or shaken through half a swing, which piles the
    exposure up at both turning points): the second image's offset, or None. `power` is the text area's
    power_spectrum, `scale` original pixels per working pixel, `seen`: the paper's outline can confirm it (qc.focus
    asks qc.paperedge.Outline.contradicts).

    A double image is the page convolved with two impulses d apart, whose log spectrum is a ripple of period 1/d:
    log|a + b e^(-2 pi i f.d)|^2 = const + 2 sum_n (-1)^(n+1) (b/a)^n / n cos(2 pi n f.d), b < a. Its cepstrum has a
    peak at d and a trough at 2 d, every page's print notwithstanding; periodic print (rows of characters, dashes,
    hatching) has peaks at its pitch and at twice it, never a trough there (the echo against the pitch of speech
    analysis: Bogert, Healy and Tukey, "The quefrency alanysis of time series for echoes", 1963). The offset between
    MIN_GHOST_LAG and WINDOW / 4 working pixels whose peak (the highest point within a pixel) is at least
    GHOST_PEAK and whose trough at 2 d (_twice) is at most GHOST_ECHO, both UNSEEN_GHOST times over where not
    `seen`, is the motion: length |d| in original pixels, `double` its strength (the lesser of the two over its
    bound). A peak from LONG_LAG working pixels out (to MAX_GHOST_LAG) that is only LONG_ASK high, or whose trough is
    too shallow, or any past WINDOW / 4, is read again in LONG_WINDOWS windows of LONG_WINDOW px of the working image
    `gray` at the text-area cells `corners` (LONG_PEAK, LONG_ECHO), when they are given. Raises nothing; None for a
    flat spectrum.
    """
    z = depth(cepstrum(power))
    if z is None:
        return None
    need = 1.0 if seen else UNSEEN_GHOST
    best, again = None, []
    for k in np.flatnonzero(_GHOST_SEARCH.ravel() & (z.ravel() >= min(LONG_ASK, need * GHOST_PEAK))):
        dy, dx = int(_DY.flat[k]), int(_DX.flat[k])
        if not _is_peak(z, dy, dx):
            continue  # no peak: the slope of a wider lobe (a ruled sheet's spectrum, all on one axis)
        if _RADIUS.flat[k] > WINDOW / 4:  # 2 d past half the window reads print repeated at 2 d as at -(W - 2 d)
            again.append((dy, dx))
            continue
        strength = min(z.flat[k] / GHOST_PEAK, _twice(z, dy, dx) / GHOST_ECHO)
        if strength >= need and (best is None or strength > best[0]):
            best = (float(strength), dy, dx)
        elif _RADIUS.flat[k] >= LONG_LAG:
            again.append((dy, dx))
    if best is None and again and gray is not None and corners and len(corners) >= MIN_WINDOWS:
        best = _again(gray, corners, again, need)
    if best is None:
        return None
    strength, dy, dx = best
    angle = math.degrees(math.atan2(-dy, dx)) % 180.0
    return Motion(length_px=math.hypot(dy, dx) * scale, angle_deg=angle, peak=0.0, double=strength)


def _is_peak(z: np.ndarray, dy: int, dx: int) -> bool:
    """Whether the cepstrum `z` at whole-pixel lag (dy, dx) is the highest point within a pixel."""
    n = z.shape[0]
    return bool(z[dy % n, dx % n] >= z[np.ix_((dy + _AROUND_ONE) % n, (dx + _AROUND_ONE) % n)].max())


def _again(
    gray: np.ndarray, corners: list[tuple[int, int]], lags: list[tuple[int, int]], need: float
) -> tuple[float, int, int] | None:
    """double_image's second look at `lags` (whole working pixels) in LONG_WINDOWS windows of LONG_WINDOW px at
    `corners` (evenly thinned): the strongest (strength, dy, dx) of the peaks within a pixel of them, or None."""
    picked = [corners[int(j)] for j in np.linspace(0, len(corners) - 1, min(LONG_WINDOWS, len(corners)))]
    z = depth(cepstrum(_spectra(gray, picked, LONG_WINDOW).mean(axis=0), LONG_WINDOW))
    if z is None:
        return None
    best = None
    for ly, lx in lags:
        near = [(ly + a, lx + b) for a in (-1, 0, 1) for b in (-1, 0, 1)]
        dy, dx = max(near, key=lambda t: z[t[0] % LONG_WINDOW, t[1] % LONG_WINDOW])  # its lag in the finer cepstrum
        if not _is_peak(z, dy, dx):
            continue
        strength = min(z[dy % LONG_WINDOW, dx % LONG_WINDOW] / LONG_PEAK, _twice(z, dy, dx) / LONG_ECHO)
        if strength >= need and (best is None or strength > best[0]):
            best = (float(strength), dy, dx)
    return best


def power_spectrum(gray: np.ndarray, corners: list[tuple[int, int]]) -> np.ndarray | None:
    """Mean power spectrum (rfft2 layout, WINDOW x WINDOW // 2 + 1 float32) of the central WINDOW squares of the
    cells at `corners` (top-left corners, working pixels, as qc.sharpness.select_cells gives them; at most
    MAX_WINDOWS, evenly thinned) of the working image; each square's mean is removed and a Hann window applied.
    None below MIN_WINDOWS."""
    if len(corners) < MIN_WINDOWS:
        return None
    if len(corners) > MAX_WINDOWS:
        corners = [corners[int(j)] for j in np.linspace(0, len(corners) - 1, MAX_WINDOWS)]
    return _spectra(gray, corners).mean(axis=0)


def _spectra(gray: np.ndarray, corners: list[tuple[int, int]], size: int = WINDOW) -> np.ndarray:
    """Power spectra (n, size, size // 2 + 1) of the size x size windows centred on the cells at `corners`, as
    power_spectrum takes them."""
    inset = (sh.cell_size(gray.shape) - size) // 2
    wins = np.stack([sh._window(gray, y + inset, x + inset, size) for y, x in corners]).astype(np.float32)
    wins -= wins.mean(axis=(1, 2), keepdims=True)
    wins *= _hann(size)
    from scipy import fft  # loaded on first use, not with qc (as qc.pagehash's imagehash)

    spec = fft.rfft2(wins)  # in float32, as numpy's; numpy 2.4's float32 rfft2 of 48 windows took 8 times as long
    return spec.real**2 + spec.imag**2


@cache
def _hann(size: int) -> np.ndarray:
    """The 2-D Hann window of a size x size square (float32), made once per size."""
    return np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)


@cache
def _around(size: int) -> np.ndarray:
    """The lags 2.5 px to half a window from the origin of a size x size cepstrum (bool)."""
    f = np.fft.fftfreq(size, 1.0 / size)
    r = np.hypot(f[:, None], f[None, :])
    return (r >= 2.5) & (r <= size / 2 - 1)


def cepstrum(power: np.ndarray, size: int = WINDOW) -> np.ndarray:
    """Power cepstrum (size x size float32, lag (0, 0) at [0, 0]) of a power_spectrum of size x size windows."""
    from scipy import fft

    return fft.irfft2(np.log(power + 1e-3 * power.mean() + 1e-12), s=(size, size))


def fine_power_ratio(power: np.ndarray, angle_deg: float) -> float:
    """The power at 0.2-0.5 cycles per pixel within 22.5 degrees of `angle_deg` (counter-clockwise from the rows)
    over that within 22.5 degrees of the direction across it (a power_spectrum; inf when there is none across)."""

    def fine(a: float) -> float:
        return float(power[_FINE & _near(_FREQ_DEG, a)].mean())

    across = fine((angle_deg + 90.0) % 180.0)
    return fine(angle_deg) / across if across > 0 else float("inf")


def depth(cep: np.ndarray) -> np.ndarray | None:
    """The cepstrum in robust standard deviations (median, 1.4826 x MAD) of its values 2.5 px to half a window from
    the origin (same shape); None when they do not spread (a flat page)."""
    around = cep[_around(cep.shape[0])]
    mid = float(np.median(around))
    spread = 1.4826 * float(np.median(np.abs(around - mid)))
    return None if spread <= 0 else (cep - mid) / spread


def straight_motion(
    gray: np.ndarray,
    corners: list[tuple[int, int]],
    scale: float,
    strict: bool = False,
    power: np.ndarray | None = None,
) -> Motion | None:
    """The straight, even motion of the text area, or None when its cepstrum shows none.

    `gray` is the working image (uint8), `corners` the text-area cells, `scale` the original pixels per working
    pixel. The deepest point of the cepstrum between MIN_LAG and MAX_LAG working pixels from the origin, measured
    in robust standard deviations (median, 1.4826 x MAD) of the cepstrum around the origin, is a motion when it is
    MIN_PEAK or deeper and the fine detail along it is gone (fine_power_ratio at most MAX_FINE_POWER; `strict`, for
    a page whose edges read sharp: SHARP_PEAK and SHARP_FINE_POWER); its distance is the motion's length and its
    direction the motion's. `power`: the cells' power_spectrum when already taken.
    """
    power = power_spectrum(gray, corners) if power is None else power
    if power is None:
        return None
    z = depth(cepstrum(power))
    if z is None:
        return None
    k = int(np.argmin(np.where(_SEARCH, z, np.inf)))
    dy, dx = float(_DY.flat[k]), float(_DX.flat[k])
    if z.flat[k] > (SHARP_PEAK if strict else MIN_PEAK) or not _radial_minimum(z, dy, dx):
        return None
    dy, dx = _fundamental(z, dy, dx)
    angle = math.degrees(math.atan2(-dy, dx)) % 180.0
    if fine_power_ratio(power, angle) > (SHARP_FINE_POWER if strict else MAX_FINE_POWER):
        return None  # a periodic pattern (a grid, a halftone), not a smear
    return Motion(length_px=math.hypot(dy, dx) * scale, angle_deg=angle, peak=float(z.flat[k]))


def smeared_print(
    gray: np.ndarray, corners: list[tuple[int, int]], ink: np.ndarray, factor: float, scale: float
) -> Motion | None:
    """A smear along the lines of dense print, which straight_motion's cepstrum misses; None when there is none.

    `gray`, `corners` and `scale` as straight_motion takes them; `ink` is the ink mask (bool, qc.page.ink_mask) at
    1/factor of `gray`. Dense print (an order sheet of 1.6 mm print on every ruled
    line) shaken 6-16 px along its lines becomes a band per line whose edges along the motion are the rules' and
    the bands' own, all sharp (it read 0.5 px), and whose cepstrum holds no peak deep enough to be told from a
    sharp page's. Yet every window of its print has lost its fine detail along the motion, which sharp print never
    has in any direction: of the PRINT_WINDOWS cells richest in ink (at least MIN_WINDOWS of them PRINT_SHARE or
    more: a ruled sheet's or a table's cells are mostly paper, and their lines have no detail along them either),
    the median over the windows of the fine power (FINE_LOW-0.5 cycles per pixel within 22.5 degrees of a
    direction) over that across it is at most MAX_PRINT_FINE along the smear. Its length is the deepest cepstral
    point (mean spectrum of those windows) within 22.5 degrees of it when MIN_PEAK or deeper, as straight_motion
    trusts one; else 1 / FINE_LOW = 5 working pixels, the least that takes the band (a lower bound: shallower
    points lay at 2-5 times the length of 4-8 px smears, at their harmonics; `measured` is then False, and the
    station says the camera moved, not how far). Returns a Motion (length in original pixels; peak: that point's
    depth, or 0).
    """
    shares = _shares(ink, factor, corners, gray.shape)
    rich = sorted(((s, c) for s, c in zip(shares, corners, strict=True) if s >= PRINT_SHARE), reverse=True)
    if len(rich) < MIN_WINDOWS:
        return None
    spectra = _spectra(gray, [c for _, c in rich[:PRINT_WINDOWS]])
    flat = spectra.reshape(len(spectra), -1)
    fine = np.einsum("wf,fa->wa", flat, _WEDGES)  # (windows, angles): mean fine power per direction; einsum,
    # not @: a BLAS product this small spins its threads for more CPU than it saves
    ratio = np.median(fine / np.maximum(np.roll(fine, -_ACROSS, axis=1), 1e-12), axis=0)
    k = int(np.argmin(ratio))
    if ratio[k] > MAX_PRINT_FINE:
        return None
    along, across = (flat[:, _COARSE[(k + i) % len(_ANGLES)]].mean(axis=1) for i in (0, _ACROSS))
    if np.median(along / np.maximum(across, 1e-12)) < MIN_COARSE:
        return None  # nothing varies along it, even coarsely: ruled lines or hatching, not smeared print
    angle, peak, lag = float(_ANGLES[k]), 0.0, 1.0 / FINE_LOW
    z = depth(cepstrum(spectra.mean(axis=0)))
    if z is not None:
        j = int(np.argmin(np.where(_SEARCH & _near(_LAG_DEG, angle), z, np.inf)))
        if z.flat[j] <= MIN_PEAK and _radial_minimum(z, float(_DY.flat[j]), float(_DX.flat[j])):
            peak, lag = float(z.flat[j]), math.hypot(float(_DY.flat[j]), float(_DX.flat[j]))
    return Motion(length_px=lag * scale, angle_deg=angle, peak=peak, measured=peak < 0.0)


def _twice(z: np.ndarray, dy: int, dx: int) -> float:
    """The cepstrum `z` at twice the lag of its peak at whole pixels (dy, dx), the peak placed to a fraction of a
    pixel by a parabola through it and its neighbours along each axis, read by bilinear interpolation."""

    def vertex(a: float, b: float, c: float) -> float:
        d = a - 2 * b + c
        return 0.0 if d >= 0 else max(-0.5, min(0.5, 0.5 * (a - c) / d))

    def at(y: int, x: int) -> float:
        return float(z[y % len(z), x % len(z)])

    y = 2 * (dy + vertex(at(dy - 1, dx), at(dy, dx), at(dy + 1, dx)))
    x = 2 * (dx + vertex(at(dy, dx - 1), at(dy, dx), at(dy, dx + 1)))
    y0, x0 = math.floor(y), math.floor(x)
    fy, fx = y - y0, x - x0
    return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * (
        (1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)
    )


def _radial_minimum(z: np.ndarray, dy: float, dx: float) -> bool:
    """Whether the cepstrum `z` at lag (dy, dx) is deeper than one pixel further out along the same direction: a
    motion's peak is a dip; a ruled sheet's lines, whose pitch wraps round the window, deepen it steadily to the
    search's edge (a blank sheet of 2 px lines 8 mm apart: -26 at 28 px, deeper at 29; break-it tester 11)."""
    r = math.hypot(dy, dx)
    oy, ox = round(dy * (r + 1) / r), round(dx * (r + 1) / r)
    return bool(z[int(dy) % WINDOW, int(dx) % WINDOW] < z[int(oy) % WINDOW, int(ox) % WINDOW])


def _shares(mask: np.ndarray, factor: float, corners: list[tuple[int, int]], shape: tuple[int, int]) -> list[float]:
    """Each cell's share (0-1) covered by `mask` (bool, at 1/factor of the working image `shape`); `corners` are the
    cells' top-left corners in working pixels, as qc.sharpness.select_cells gives them."""
    count, step = sh.cell_counts(mask, factor, shape)
    span = step * factor
    return [float(count[round(y / span), round(x / span)]) / (step * step) for y, x in corners]


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
