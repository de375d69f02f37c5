"""A camera motion read from the paper's outline and confirmed by its print, for a page too sparse to show it.

A camera moving evenly through L pixels while the shutter is open smears every edge across the motion into a ramp
L long and leaves the edges along it sharp. The paper's outline against the dark mat is the one edge every
photographed page has: under a motion its two sides across the motion ramp by the same length (L times the cosine
of the angle between the motion and their normal), and the two sides along it stay as sharp as a still photo's. On
a sparse note the print cannot say it (a few lines smeared 10-100 px keep only their edges along the motion, which
score sharp, and too few windows for the cepstrum: qc.motion; a line smeared past its ink threshold reads blank);
the outline can (the session-21 batch of smeared notes without a shadow: 10 of 29 passed; the sides across their
motions ramped 2-30 working px, every still photo's 1-1.2).

A paper's edges also soften in still photos: curled or lifted out of the depth of field, shaded, torn, a band
printed along them (the session-21 tester: 19 of 23 such still notes were told the camera moved, by the outline
alone). So the print must agree: along the motion its spectrum falls to the smear's zeros, as it does not when only
the edges are soft, nor under a defocus (session 22; session 21 asked for lost fine detail along the motion, which
ruled lines, a barcode or long strokes along it never had: 11 of the second tester's 78 still pages). A book's page
stack softens one side only. The reading is taken only for a page whose print showed no edge across some direction,
or none (qc.focus).
"""

from __future__ import annotations

import math
from functools import partial

import cv2
import numpy as np

from qc import motion as mo
from qc import sharpness as sh
from qc import skew as sk

REACH = 96  # working pixels each side of the outline a profile spans (a 200 px smear of a 12 MP frame is 100 long)
MIN_STEP = 30.0  # grey levels from the mat to the paper for a profile to be read (a light mat shows no ramp)
MIN_PROFILES = 16  # usable profiles a side needs (of qc.skew.SIDE_SAMPLES)
LOW, HIGH = 0.2, 0.8  # a ramp's width is read between these shares of the step (a box smear L long: 0.6 L)
MIN_RAMP = 2.0  # working pixels: a smeared pair ramps at least this (still photos: 1.24 at most over 196 bench photos
# with an outline; 3 real samples show some side, each one alone or unlike its opposite; smears of 9-13 px of a 12 MP
# frame, 2.4-3.9)
SAME_RAMP = 0.8  # both sides of a pair ramp alike: the shorter at least this share of the longer (motion: 0.94-1)
MAX_DIP = 0.45  # the print's power at the smear's spectral zeros over that between them, at most (print_dip): notes
# moved 8-220 px 0.07-0.41 along their motion (2 of 90 at 0.46-0.56), mostly 0.55-1.3 along its mirror image; still
# pages whose paper edges are soft (curled, banded; ruled lines, a barcode, a signature of long strokes) 0.72-1.7
PROFILE_SMEAR = 12.0  # the print is read at 1/2^k of the working scale, the smear spanning 12-24 of its pixels
STILL_RAMP = 1.1  # working pixels: the ramp of a still photo's outline (median over those 196 photos: 1.09)


def ramps(gray: np.ndarray, quad: np.ndarray) -> list[float | None]:
    """The median ramp width (pixels of `gray`) of each side i (quad[i] → quad[i+1], quad 4x2 tl tr br bl in gray's
    pixels) between LOW and HIGH of its step from the mat to the paper; None for a side with fewer than MIN_PROFILES
    profiles stepping MIN_STEP or more."""
    h, w = gray.shape
    q = quad.astype(np.float64)
    centre = q.mean(axis=0)
    offs = np.arange(-REACH, REACH + 0.5, 0.5, dtype=np.float32)  # from the mat into the paper
    out: list[float | None] = []
    for i in range(4):
        base, normal = sk._side_frame(q[i], q[(i + 1) % 4], centre, 4.0, w, h)
        if len(base) < MIN_PROFILES:
            out.append(None)
            continue
        mx = (base[:, 0:1] + normal[0] * offs[None, :]).astype(np.float32)
        my = (base[:, 1:2] + normal[1] * offs[None, :]).astype(np.float32)
        prof = cv2.remap(gray, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        n = prof.shape[1]
        lo, hi = np.median(prof[:, : n // 6], axis=1), np.median(prof[:, -(n // 6) :], axis=1)
        ok = hi - lo >= MIN_STEP
        if np.count_nonzero(ok) < MIN_PROFILES:
            out.append(None)
            continue
        t = (prof[ok] - lo[ok, None]) / (hi - lo)[ok, None]
        out.append(float(np.median(_widths(t))) * 0.5)  # half-pixel samples
    return out


def _widths(t: np.ndarray) -> np.ndarray:
    """Width (samples) between the LOW and HIGH crossings around each normalised profile's steepest rise."""
    n = t.shape[1]
    idx = np.arange(n)[None, :]
    k = np.argmax(cv2.blur(np.diff(t, axis=1), (5, 1)), axis=1)[:, None]  # the steepest rise, lightly smoothed
    a = np.max(np.where((t <= LOW) & (idx <= k), idx, 0), axis=1)  # last sample at or under LOW before it
    b = np.min(np.where((t >= HIGH) & (idx > k), idx, n - 1), axis=1)  # first at or over HIGH after it
    rows = np.arange(len(t))
    a1, b0 = np.minimum(a + 1, n - 1), np.maximum(b - 1, 0)
    xa = a + (LOW - t[rows, a]) / np.maximum(t[rows, a1] - t[rows, a], 1e-6)  # sub-sample crossings
    xb = b0 + (HIGH - t[rows, b0]) / np.maximum(t[rows, b] - t[rows, b0], 1e-6)
    return np.clip(xb - xa, 0.0, None)


def print_dip(
    gray: np.ndarray, quad: np.ndarray, corners: list[tuple[int, int]], angle_deg: float, length: float
) -> float | None:
    """How far the print's spectrum along `angle_deg` (counter-clockwise from the rows) falls at the zeros of a box
    smear `length` working pixels long: the geometric mean over k of its power at k/length cycles per pixel over the
    geometric mean of that at (k - 1/2)/length and (k + 1/2)/length, k = 1, 2, 3 while under 0.4 cycles per pixel
    (about 0.1-0.4 under the motion, about 1 for print that was not smeared along it). None: under 8 profiles to say.

    A box smear multiplies every spectrum along the motion by sinc(pi f length), whose zeros no print, however
    periodic its lines, can fill: only the noise does. The print is read in the text-area cells (`corners`, working
    pixels, qc.sharpness.select_cells) away from the paper's outline (`quad`, working pixels), whose own smeared ramp
    is no print, along profiles 4 smear lengths long (Hann window), at 1/2^k of the working scale so that the smear
    spans PROFILE_SMEAR-2 PROFILE_SMEAR of its pixels (longer profiles read no better: the noise is what they add).
    """
    f = 1
    while length / (2 * f) >= PROFILE_SMEAR:
        f *= 2
    h, w = gray.shape[0] // f, gray.shape[1] // f
    img = cv2.resize(gray, (w, h), interpolation=cv2.INTER_AREA) if f > 1 else gray
    size = sh.cell_size(gray.shape)
    mask = np.zeros((h, w), np.uint8)
    for y, x in corners:
        mask[max(0, y // f) : (y + size) // f, max(0, x // f) : (x + size) // f] = 1
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, np.round(quad / f).astype(np.int32), 1)
    smear = length / f
    away = (cv2.distanceTransform(inside, cv2.DIST_L2, 3) > smear / 2 + 4 / f).astype(np.uint8)
    ys, xs = np.nonzero(mask & away)
    if not len(ys):
        return None
    turn = cv2.getRotationMatrix2D((float(xs.mean()), float(ys.mean())), -angle_deg, 1.0)  # the motion along rows
    rows = cv2.warpAffine(img, turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    n = 1 << math.ceil(math.log2(4 * smear))
    starts = np.arange(0, w - n + 1, n // 4)
    if not len(starts):
        return None

    def windows(m: np.ndarray) -> np.ndarray:  # each profile's pixels of m, rotated as the rows are: rows x starts x n
        return np.lib.stride_tricks.sliding_window_view(
            cv2.warpAffine(m, turn, (w, h), flags=cv2.INTER_NEAREST), n, axis=1
        )[:, starts]

    # profiles clear of the outline's ramp, half of each over the text area (a sparse note's print is anywhere in it)
    ry, sx = np.nonzero(windows(away).all(axis=2) & (windows(mask).mean(axis=2, dtype=np.float32) >= 0.5))
    if len(ry) < 8:
        return None
    segs = np.lib.stride_tricks.sliding_window_view(rows, n, axis=1)[:, starts][ry, sx].astype(np.float32)
    segs -= segs.mean(axis=1, keepdims=True)
    from scipy import fft  # loaded on first use, not with qc (as qc.motion)

    power = (np.abs(fft.rfft(segs * np.hanning(n).astype(np.float32), axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(n)
    at = partial(np.interp, xp=freqs, fp=power)
    ks = [k for k in (1, 2, 3) if (k + 0.5) / smear <= 0.4]
    dips = [at(k / smear) / math.sqrt(at((k - 0.5) / smear) * at((k + 0.5) / smear) + 1e-12) for k in ks]
    return float(np.exp(np.mean(np.log(np.maximum(dips, 1e-6)))))


def outline_motion(
    gray: np.ndarray, quad: np.ndarray, scale: float, corners: list[tuple[int, int]]
) -> mo.Motion | None:
    """The motion a photo's outline shows and its print confirms, or None: `gray` the working image (uint8), `quad`
    the paper's corners in its pixels, `scale` original pixels per pixel of it, `corners` the text-area cells
    (qc.sharpness.select_cells).

    Every side must be read (ramps), and the two sides of each pair must ramp alike (the shorter SAME_RAMP of the
    longer, or both under MIN_RAMP): one straight motion ramps opposite sides by the same length. At least one pair
    must ramp MIN_RAMP or more. The pairs' ramps, less a still photo's (STILL_RAMP, in quadrature), are the
    motion's projections on their normals: its length is their hypotenuse over HIGH - LOW (a box smear's ramp), in
    original pixels, along one of two directions mirrored across the rows. A paper's edges soften in still photos
    too (curled or lifted out of the depth of field, shaded, torn, a printed band along them): the print must show
    the smear's spectral zeros along one of those directions (print_dip at most MAX_DIP), which print that was not
    smeared does not, whatever its lines (ruled, a barcode, long strokes along them). A sheet with no print holds
    nothing a motion smeared: None.
    """
    r = ramps(gray, quad)
    if any(v is None for v in r) or not corners:
        return None
    pairs = [(min(r[i], r[i + 2]), max(r[i], r[i + 2])) for i in (0, 1)]  # type: ignore[type-var]
    if max(lo for lo, _ in pairs) < MIN_RAMP:
        return None
    if any(hi >= MIN_RAMP and lo < SAME_RAMP * hi for lo, hi in pairs):
        return None  # a side unlike its opposite: a book's page stack, a curl, a shadow, not a motion
    vert, horiz = (math.sqrt(max(0.0, ((lo + hi) / 2) ** 2 - STILL_RAMP**2)) for lo, hi in pairs)  # top-bottom: y
    length = math.hypot(vert, horiz) / (HIGH - LOW)
    theta = math.degrees(math.atan2(vert, horiz))
    read = [(d, a) for a in {theta, (180.0 - theta) % 180.0} if (d := print_dip(gray, quad, corners, a, length))]
    if not read or min(read)[0] > MAX_DIP:
        return None  # the print was not smeared along it: the edges are soft, the camera did not move
    return mo.Motion(length_px=length * scale, angle_deg=min(read)[1], peak=0.0)
