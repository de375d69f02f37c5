"""A camera motion read from the paper's outline, for a page whose print is too sparse to show it.

A camera moving evenly through L pixels while the shutter is open smears every edge across the motion into a ramp
L long and leaves the edges along it sharp. The paper's outline against the dark mat is the one edge every
photographed page has: under a motion its two sides across the motion ramp by the same length (L times the cosine
of the angle between the motion and their normal), and the two sides along it stay as sharp as a still photo's. On
a sparse note the print cannot say it (a few lines smeared 10-100 px keep only their edges along the motion, which
score sharp, and too few windows for the cepstrum: qc.motion; a line smeared past its ink threshold reads blank);
the outline can (the session-21 batch of smeared notes without a shadow: 10 of 29 passed; the sides across their
motions ramped 2-30 working px, every still photo's 1-1.2).

A book's page stack or a curled edge also softens a pair of sides, unevenly and at any sharpness of the print: the
reading is taken only for a page whose print showed no edge across some direction, or none (qc.focus), and
only when each pair of opposite sides ramps alike.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from qc import motion as mo
from qc import skew as sk

REACH = 96  # working pixels each side of the outline a profile spans (a 200 px smear of a 12 MP frame is 100 long)
MIN_STEP = 30.0  # grey levels from the mat to the paper for a profile to be read (a light mat shows no ramp)
MIN_PROFILES = 16  # usable profiles a side needs (of qc.skew.SIDE_SAMPLES)
LOW, HIGH = 0.2, 0.8  # a ramp's width is read between these shares of the step (a box smear L long: 0.6 L)
MIN_RAMP = 2.0  # working pixels: a smeared pair ramps at least this (still photos: 1.24 at most over 196 bench photos
# with an outline; 3 real samples show some side, each one alone or unlike its opposite; smears of 9-13 px of a 12 MP
# frame, 2.4-3.9)
SAME_RAMP = 0.8  # both sides of a pair ramp alike: the shorter at least this share of the longer (motion: 0.94-1)
DISTINCT = 0.75  # the lesser projection over the greater, at most: a motion within 37 degrees of a side's normal
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


def outline_motion(gray: np.ndarray, quad: np.ndarray, scale: float) -> mo.Motion | None:
    """The motion a photo's outline shows, or None: `gray` the working image (uint8), `quad` the paper's corners in
    its pixels, `scale` original pixels per pixel of it.

    Every side must be read (ramps), and the two sides of each pair must ramp alike (the shorter SAME_RAMP of the
    longer, or both under MIN_RAMP): one straight motion ramps opposite sides by the same length. At least one pair
    must ramp MIN_RAMP or more. The pairs' ramps, less a still photo's (STILL_RAMP, in quadrature), are the
    motion's projections on their normals: its length is their hypotenuse over HIGH - LOW (a box smear's ramp), in
    original pixels. The lesser projection must be at most DISTINCT of the greater: a defocus softens all four
    sides alike (a dense form at sigma 3 read as a 10 px motion, and the station would have said the camera moved),
    and so does a motion near the diagonal, which is left to the print. The Motion's angle is folded into [0, 90]
    degrees (the ramps do not tell a motion from its mirror image across the rows) and its peak is 0 (no cepstrum).
    """
    r = ramps(gray, quad)
    if any(v is None for v in r):
        return None
    pairs = [(min(r[i], r[i + 2]), max(r[i], r[i + 2])) for i in (0, 1)]  # type: ignore[type-var]
    if max(lo for lo, _ in pairs) < MIN_RAMP:
        return None
    if any(hi >= MIN_RAMP and lo < SAME_RAMP * hi for lo, hi in pairs):
        return None  # a side unlike its opposite: a book's page stack, a curl, a shadow, not a motion
    vert, horiz = (math.sqrt(max(0.0, ((lo + hi) / 2) ** 2 - STILL_RAMP**2)) for lo, hi in pairs)  # top-bottom: y
    if min(vert, horiz) > DISTINCT * max(vert, horiz):
        return None  # every side alike: a defocus, or a motion near the diagonal
    length = math.hypot(vert, horiz) / (HIGH - LOW) * scale
    return mo.Motion(length_px=length, angle_deg=math.degrees(math.atan2(vert, horiz)), peak=0.0)
