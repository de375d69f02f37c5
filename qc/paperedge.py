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
from dataclasses import dataclass, field
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
STEEP = 1.2  # a box smear L long lets no edge rise faster along it than the ink's contrast over L, which is under the
# paper's level: print rising faster than STEEP times that (paper's level / L per pixel) was not smeared. A bar or a
# dash L long has a smear's spectral zeros; its sides are steep (the session-22 tester: hatching and rows of dashes
# matching the length soft paper edges imply, 6 of 88 still pages)
MIN_STEEP_LENGTH = 5.0  # working pixels: under it a still thin stroke's end rises under about 3 times as fast as a
# smeared one (the session-22 tester's dashes 14 px long at 7 working px: 98 against a limit of 101 at STEEP 1.5)
ACROSS_SIGMA = 0.6  # working pixels: too_steep smooths across the motion this little (a thin stroke keeps its ink)
MIN_STEEP = 8  # pixels (of the text-area cells clear of the outline) rising that fast
PROFILE_SMEAR = 12.0  # the print is read at 1/2^k of the working scale, the smear spanning 12-24 of its pixels
MIN_SHOWN = 3.0  # working pixels: a motion whose outline would ramp this much or more shows in it (Outline.contradicts)
STILL_SHARE = 0.4  # a pair ramping at most this share of what a motion would ramp it (or MIN_RAMP) saw no motion
DOUBLE_SHARE = 0.6  # a double image's pair of sides across it ramps at least this share of its offset there
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


def _read_area(
    shape: tuple[int, int], quad: np.ndarray, corners: list[tuple[int, int]], length: float, f: int
) -> tuple[np.ndarray, np.ndarray]:
    """The text-area cells (`corners`, working pixels) and the paper clear of its outline's ramp (`quad`, working
    pixels; a smear `length` working pixels long ramps it half that each way, and 4 px more) on the working grid of
    `shape` reduced f times: two uint8 0/1 masks."""
    h, w = shape[0] // f, shape[1] // f
    size = sh.cell_size(shape)
    cells = np.zeros((h, w), np.uint8)
    for y, x in corners:
        cells[max(0, y // f) : (y + size) // f, max(0, x // f) : (x + size) // f] = 1
    away = np.zeros((h, w), np.uint8)
    inner = _inset(quad.astype(np.float64), length / 2 + 4)
    if inner is not None:
        cv2.fillConvexPoly(away, np.round(inner / f).astype(np.int32), 1)
    return cells, away


def _inset(quad: np.ndarray, d: float) -> np.ndarray | None:
    """The convex quad (4x2) with every side moved d pixels inwards: the points more than d from its outline. None
    when nothing is left."""
    centre = quad.mean(axis=0)
    lines = []  # (unit normal pointing in, offset): n . p >= c inside
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        n = np.array([a[1] - b[1], b[0] - a[0]]) / (np.linalg.norm(b - a) + 1e-9)
        if np.dot(n, centre - a) < 0:
            n = -n
        lines.append((n, float(np.dot(n, a)) + d))
    out = []
    for (n1, c1), (n2, c2) in zip(lines[-1:] + lines[:-1], lines, strict=True):  # side i-1 meets side i at corner i
        det = n1[0] * n2[1] - n1[1] * n2[0]
        if abs(det) < 1e-9:
            return None
        out.append([(c1 * n2[1] - c2 * n1[1]) / det, (n1[0] * c2 - n2[0] * c1) / det])
    inner = np.array(out)
    return inner if all(np.dot(n, inner.mean(axis=0)) > c for n, c in lines) else None


def too_steep(
    gray: np.ndarray, quad: np.ndarray, corners: list[tuple[int, int]], angle_deg: float, length: float
) -> bool:
    """Whether the print rises along `angle_deg` (counter-clockwise from the rows) faster than a box smear `length`
    working pixels long allows: MIN_STEEP pixels or more of the text-area cells clear of the outline (_read_area)
    whose derivative along it (working image, Gaussian sigma length / 16 along it, 0.7 at least, and ACROSS_SIGMA
    across it) exceeds STEEP times the paper's level (95th percentile there) over `length`. A smear lets no edge
    rise faster than the ink's contrast over its length; the smoothing leaves that slope and takes a still edge's to
    its contrast over 2.5 sigma (6.4 times a smear's at most) and the noise well under the limit. A bar or a dash
    that long has a smear's spectral zeros (print_dip) and steep sides. False for a length under MIN_STEEP_LENGTH,
    too short to tell."""
    if length < MIN_STEEP_LENGTH:
        return False
    cells, away = _read_area(gray.shape, quad, corners, length, 1)
    ys, xs = np.nonzero(cells & away)
    if not len(ys):
        return False
    sigma = max(0.7, length / 16)
    m = int(3 * sigma) + 2
    y0, y1, x0, x1 = max(0, ys.min() - m), ys.max() + m + 1, max(0, xs.min() - m), xs.max() + m + 1
    a = math.radians(angle_deg)
    u, v = np.meshgrid(np.arange(-m, m + 1, dtype=np.float32), np.arange(-m, m + 1, dtype=np.float32))
    t, s = u * math.cos(a) - v * math.sin(a), u * math.sin(a) + v * math.cos(a)  # along the motion, across it
    kernel = np.exp(-(t**2) / (2 * sigma**2) - s**2 / (2 * ACROSS_SIGMA**2))
    smooth = cv2.filter2D(gray[y0:y1, x0:x1].astype(np.float32), -1, kernel / kernel.sum())
    dx, dy = (cv2.Sobel(smooth, cv2.CV_32F, *d, ksize=1) for d in ((1, 0), (0, 1)))  # central differences: 2 x rise
    along = np.abs(dx * math.cos(a) - dy * math.sin(a))[ys - y0, xs - x0]
    limit = 2 * STEEP * float(np.percentile(gray[ys, xs], 95)) / length
    return int(np.count_nonzero(along > limit)) >= MIN_STEEP


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
    is no print (_read_area), along profiles 4 smear lengths long (Hann window), at 1/2^k of the working scale so
    that the smear spans PROFILE_SMEAR-2 PROFILE_SMEAR of its pixels (longer profiles read no better: the noise is
    what they add).
    """
    f = 1
    while length / (2 * f) >= PROFILE_SMEAR:
        f *= 2
    h, w = gray.shape[0] // f, gray.shape[1] // f
    img = cv2.resize(gray, (w, h), interpolation=cv2.INTER_AREA) if f > 1 else gray
    mask, away = _read_area(gray.shape, quad, corners, length, f)
    smear = length / f
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
    gray: np.ndarray,
    quad: np.ndarray,
    scale: float,
    corners: list[tuple[int, int]],
    sides: list[float | None] | None = None,
) -> mo.Motion | None:
    """The motion a photo's outline shows and its print confirms, or None: `gray` the working image (uint8), `quad`
    the paper's corners in its pixels, `scale` original pixels per pixel of it, `corners` the text-area cells
    (qc.sharpness.select_cells), `sides` their ramps when already read (ramps).

    Every side must be read (ramps), and the two sides of each pair must ramp alike (the shorter SAME_RAMP of the
    longer, or both under MIN_RAMP): one straight motion ramps opposite sides by the same length. At least one pair
    must ramp MIN_RAMP or more. The pairs' ramps, less a still photo's (STILL_RAMP, in quadrature), are the
    motion's projections on their normals: its length is their hypotenuse over HIGH - LOW (a box smear's ramp), in
    original pixels, along one of two directions mirrored across the rows. A paper's edges soften in still photos
    too (curled or lifted out of the depth of field, shaded, torn, a printed band along them): the print must show
    the smear's spectral zeros along one of those directions (print_dip at most MAX_DIP), which print that was not
    smeared does not, whatever its lines (ruled, a barcode, long strokes along them), and must rise along it no
    faster than the smear allows (too_steep: bars or dashes that long have its zeros). A sheet with no print holds
    nothing a motion smeared: None.
    """
    r = ramps(gray, quad) if sides is None else sides
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
    dips = [(print_dip(gray, quad, corners, a, length), a) for a in {theta, (180.0 - theta) % 180.0}]
    dip, angle = min(((d, a) for d, a in dips if d is not None), default=(None, 0.0))
    if dip is None or dip > MAX_DIP:
        return None  # the print was not smeared along it: the edges are soft, the camera did not move
    if too_steep(gray, quad, corners, angle, length):
        return None  # bars or dashes that long: their sides are steep
    return mo.Motion(length_px=length * scale, angle_deg=angle, peak=0.0)


@dataclass
class Outline:
    """The outline of a photographed whole sheet (qc.checker: its quad found, not cut off), read on demand for a
    camera motion (qc.focus): `gray` the working image, `quad` the paper's corners in its pixels, `scale` original
    pixels per working pixel."""

    gray: np.ndarray
    quad: np.ndarray
    scale: float
    _ramps: list[float | None] | None = field(default=None, init=False, repr=False)

    def ramps(self) -> list[float | None]:
        """The sides' ramps (qc.paperedge.ramps), read once."""
        if self._ramps is None:
            self._ramps = ramps(self.gray, self.quad)
        return self._ramps

    def still(self) -> bool:
        """Whether each pair of opposite sides has a side read that ramps under MIN_RAMP, as a still, focused
        photo's do (1.24 working px at most over 196 bench photos): no motion or defocus of more than about 3
        working px. A motion ramps both sides of a pair alike and a defocus all four (outline_motion); a shadow, a
        curl or an object over one side softens that side only (a hand's shadow over an empty sheet's right side
        read 60 px, and its fingertips' shadows then read as smeared print: `blur` though marked blank)."""
        r = self.ramps()
        return all(any(v is not None and v < MIN_RAMP for v in (r[i], r[i + 2])) for i in (0, 1))

    def motion(self, corners: list[tuple[int, int]]) -> mo.Motion | None:
        """The motion the outline shows and the print in the cells at `corners` confirms (outline_motion)."""
        return outline_motion(self.gray, self.quad, self.scale, corners, self.ramps())

    def contradicts(self, motion: mo.Motion, corners: list[tuple[int, int]], sparse: bool) -> bool:
        """Whether the outline or the print shows `motion` (found in the print's cepstrum alone, qc.motion) did not
        happen. A camera moving L working pixels at angle a ramps the left and right sides by (HIGH - LOW) L |cos a|
        and the top and bottom by (HIGH - LOW) L |sin a| (a box smear's 20-80 % width), the paper's outline as much
        as its print: True when the pair that would ramp the more, at least MIN_SHOWN, is read on both sides and
        ramps at most STILL_SHARE of it (or MIN_RAMP). For `sparse` print (no edges across some direction, or none:
        qc.focus), also when it rises along the motion faster than the smear allows (too_steep, in the cells at
        `corners`). Rows of dashes 2 mm long have a 20 px smear's spectral zeros (the session-22 tester: 45 of 45
        still pages told the camera moved). Never for smeared_print's motion, whose length and angle are no
        measure (a dense form shaken 4-6 px along its rows reads 10 px at 20 degrees)."""
        if not motion.measured:
            return False
        seen = self._across(motion)
        if seen is not None and motion.double:
            return min(seen[0]) < DOUBLE_SHARE * seen[1]  # a double image steps both sides twice, d apart
        if seen is not None and max(seen[0]) <= max(MIN_RAMP, STILL_SHARE * seen[1]):
            return True  # the outline as sharp across it as a still photo's
        length = motion.length_px / self.scale
        return sparse and too_steep(self.gray, self.quad, corners, motion.angle_deg, length)

    def shows(self, motion: mo.Motion) -> bool:
        """Whether the outline would show `motion`: the pair of sides it would ramp the more, at least MIN_SHOWN,
        is read on both sides (contradicts can then say it did not happen)."""
        return self._across(motion) is not None

    def _across(self, motion: mo.Motion) -> tuple[list[float], float] | None:
        """The ramps of the pair of sides `motion` would ramp the more and what it would ramp them (a box smear's
        20-80 % width, 0.6 L across, or a double image's, its offset across, with a still photo's in quadrature); None
        when that is under MIN_SHOWN or a side is not read."""
        a = math.radians(motion.angle_deg)
        pair, along = max(((1, 3), abs(math.cos(a))), ((0, 2), abs(math.sin(a))), key=lambda t: t[1])
        spread = 1.0 if motion.double else HIGH - LOW  # two images d apart: 20 % at the first, 80 % past the second
        shown = math.hypot(spread * motion.length_px / self.scale * along, STILL_RAMP)
        seen = [self.ramps()[i] for i in pair]
        if shown < MIN_SHOWN or any(v is None for v in seen):
            return None
        return seen, shown  # type: ignore[return-value]
