"""Skew in degrees, counter-clockwise positive: from the paper's edges, else from the text lines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from qc.stats import median

MAX_TEXT_SKEW = 30.0
COARSE_POINTS = 1500  # ink pixels of the wide text-line search (text_fit), a seeded random sample
COARSE_STEP, COARSE_BIN = 0.5, 1.5  # degrees and analysis pixels of the wide search (text_fit), which scores the
# profile less its running mean (COARSE_DETREND): a 1° step with 3 px bins lost the rows of dense print pitched 2-3 mm
# (6-8 analysis px on a 600 dpi scan or a 12 MP photo), drifting bins across the page between its steps; 1.2-1.6 mm
# order sheets scanned turned 0.7-15.6° read from -31.8 to 31.7° (a 0.25° step costs twice as much, no better)
COARSE_DETREND = 16  # bins (24 px, 3 row pitches of 2.8 mm print): the wide search scores the profile's energy
# above its running mean, the rows alone; the block of a dense sheet (ink on 31 % of the page) projects more
# peaked 40° off its rows than along them, which outscored the rows at the search's edge
STROKE_WIDTH, STROKE_BAND, STROKE_SHARE = 4, 3, 0.5  # px and share of a thin straight stroke (text_fit: _stroke)
STROKE_LEFT = 0.3  # a stroke leaves at least this share of the ink (a lone line of small print is the text)
MAX_STROKES = 2  # strokes left out at most (a page crossed out with an X)
STROKE_AGREE = 0.8  # the ink left scores at least this share of its best at the stroke's angle: the stroke runs
# with it (a form's rule, an underline, a footer line of small print) and its angle is kept. 0.9 lost 4 of 16 rules
# over drifting handwriting; a pen line 0.2-1.5° off the print is taken for a rule at 0.8 (read wrong before, too)
SIDE_SAMPLES = 64  # profiles across each side of the paper
WHOLE_SIDE = 0.75  # a side with fewer usable profiles than this share was clipped, hidden or bent
PAIR_SPREAD = 2.5  # degrees: opposite sides further apart are no square sheet's (a slip torn off a pad, a page cut
# from a bound register 3.5-4.5° off square: the session-27 tester's sheets read 1.9-2.2° off their print); a
# photo's perspective turns them less (bench photos: the top and bottom sides at most 1.93° apart, the others 1.67)
_ALONG = np.linspace(0.1, 0.9, SIDE_SAMPLES)  # where the profiles cross a side, as shares of its length
LineFit = tuple[np.ndarray, np.ndarray, float]  # centre, unit direction, RMS residual (fit_line)


def fit_line(pts: np.ndarray) -> LineFit | None:
    """A robust straight line through points (Nx2): (centre, unit direction, RMS residual of the kept points).

    Three rounds of a total-least-squares fit, each dropping points beyond 3 robust sigmas; None with fewer than 8.
    """
    if len(pts) < 8:
        return None
    keep = np.ones(len(pts), bool)
    for _ in range(3):
        p = pts[keep]
        c = np.add.reduce(p, axis=0) / len(p)  # p.mean(axis=0) to the bit, without its per-call overhead
        q = p - c  # the principal axis of the 2x2 scatter, in closed form (what an SVD of q gives, up to sign)
        sxx, syy, sxy = float(q[:, 0] @ q[:, 0]), float(q[:, 1] @ q[:, 1]), float(q[:, 0] @ q[:, 1])
        t = 0.5 * math.atan2(2.0 * sxy, sxx - syy)
        d = np.array([math.cos(t), math.sin(t)])
        res = (pts - c) @ np.array([-d[1], d[0]])
        mad = median(np.abs(res[keep])) + 0.05
        keep = np.abs(res) < 3.0 * 1.4826 * mad
        if np.count_nonzero(keep) < 8:
            return None
    kept = res[keep]
    return c, d, float(np.sqrt(np.add.reduce(kept * kept) / len(kept)))


def _fit_angle(fit: LineFit | None) -> tuple[float, float] | None:
    """Angle (deg, CCW, direction pointing right) and RMS residual of a robust line fit."""
    if fit is None:
        return None
    _, d, rms = fit
    if d[0] < 0:
        d = -d
    return math.degrees(math.atan2(-d[1], d[0])), rms


def _side_frame(
    a: np.ndarray, b: np.ndarray, centre: np.ndarray, margin: float, w: int, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where the profiles cross the side a→b (SIDE_SAMPLES points, those within `margin` of the image's border
    left out) and the side's unit normal pointing into the paper."""
    base = a[None, :] + _ALONG[:, None] * (b - a)[None, :]
    d = ((b - a) / (np.linalg.norm(b - a) + 1e-9)).astype(np.float64)
    normal = np.array([-d[1], d[0]], dtype=np.float64)
    if np.dot(centre - (a + b) / 2, normal) < 0:
        normal = -normal  # point into the paper
    inside = (
        (base[:, 0] > margin) & (base[:, 0] < w - 1 - margin) & (base[:, 1] > margin) & (base[:, 1] < h - 1 - margin)
    )
    return base[inside], normal


Side = tuple[np.ndarray, LineFit | None]  # a side's sub-pixel edge points and their robust line (fit_line)


def trace_sides(gray: np.ndarray, quad: np.ndarray, reach: float) -> list[Side]:
    """Each side i (quad[i] → quad[i+1]) of a coarse quad (4x2, tl tr br bl, in gray's pixels) followed across its
    edge and fitted (fit_line): one trace shared by the skew and the outline.

    Each side is crossed by SIDE_SAMPLES grey-level profiles along its normal (±reach px, half-pixel steps); the
    edge point of a profile is its steepest rise walking into the paper, to a sub-pixel position (parabola through
    the derivative's peak). A side with fewer than 8 usable profiles has no points and no line. The four sides'
    profiles are sampled and searched together (one remap), row by row as if each side were done alone.
    """
    h, w = gray.shape
    q = quad.astype(np.float64)
    centre = q.mean(axis=0)
    margin = max(4.0, 0.01 * max(h, w))
    frames = [_side_frame(q[i], q[(i + 1) % 4], centre, margin, w, h) for i in range(4)]
    frames = [(base, normal) if len(base) >= 8 else (base[:0], normal) for base, normal in frames]
    base = np.concatenate([f[0] for f in frames])
    if not len(base):
        return [(np.empty((0, 2)), None) for _ in range(4)]
    normal = np.concatenate([np.repeat(f[1][None, :], len(f[0]), axis=0) for f in frames])
    side = np.repeat(np.arange(4), [len(f[0]) for f in frames])
    offs = np.arange(-reach, reach + 0.5, 0.5, dtype=np.float32)
    mx = (base[:, 0:1] + normal[:, 0:1] * offs[None, :]).astype(np.float32)
    my = (base[:, 1:2] + normal[:, 1:2] * offs[None, :]).astype(np.float32)
    raw = cv2.remap(gray, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    prof = cv2.GaussianBlur(raw, (5, 1), 0)  # along each profile only
    deriv = np.diff(prof, axis=1)  # paper is brighter: rising edge when walking inwards
    k = np.argmax(deriv, axis=1)
    rows = np.arange(len(k))
    peak = deriv[rows, k]
    ok = (k > 0) & (k < deriv.shape[1] - 1) & (peak > 2.0)
    kk = np.clip(k, 1, deriv.shape[1] - 2)
    lft, rgt = deriv[rows, kk - 1], deriv[rows, kk + 1]
    den = lft - 2 * peak + rgt
    sub = np.where(np.abs(den) > 1e-6, 0.5 * (lft - rgt) / np.where(den == 0, 1, den), 0.0)
    pos = offs[0] + (k + 0.5 + np.clip(sub, -0.5, 0.5)) * 0.5
    pts = base + pos[:, None] * normal
    out: list[Side] = []
    for i in range(4):
        mine = ok & (side == i)
        p = pts[mine] if np.count_nonzero(mine) >= 8 else np.empty((0, 2))
        out.append((p, fit_line(p)))
    return out


@dataclass(frozen=True)
class EdgeFit:
    """Skew from the paper's outline, with what it rests on."""

    angle: float  # degrees, CCW positive
    sides: int  # clean sides used: the horizontal pair when found (the vertical where it alone runs together)
    pair: bool  # both opposite sides of the used pair are clean
    whole: bool  # every side used was followed over its whole length (none clipped by the frame)
    spread: float  # degrees between the sides used (0 with one side)
    square: bool = True  # False: both pairs whole, their means over PAIR_SPREAD apart (a strip cut on a slant)
    side_angles: tuple[float, ...] = ()  # every clean side's angle, as a skew (degrees): decide's square corner

    @property
    def trusted(self) -> bool:
        """Both opposite sides followed over their whole length and running together (within PAIR_SPREAD), the
        other pair not turned away from them: the page's skew as it is, without asking the print."""
        return self.pair and self.whole and self.spread <= PAIR_SPREAD and self.square


def page_edge_skew(gray: np.ndarray, quad: np.ndarray, reach: float) -> float | None:
    """Skew from the paper's outline (quad in gray's pixels); None if no side is clean."""
    fit = page_edge_fit(gray, quad, reach)
    return None if fit is None else fit.angle


def page_edge_fit(gray: np.ndarray, quad: np.ndarray, reach: float, sides: list[Side] | None = None) -> EdgeFit | None:
    """Skew from the paper's outline (quad in gray's pixels) and its support; None if no side is clean.

    `sides`: the quad's trace_sides when the caller already has them (else they are traced here).
    """
    h, w = gray.shape
    sides = trace_sides(gray, quad, reach) if sides is None else sides
    horiz: list[tuple[float, float]] = []
    vert: list[tuple[float, float]] = []
    for i in range(4):
        a, b = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        if np.linalg.norm(b - a) < 0.2 * max(h, w):
            continue
        pts, line = sides[i]
        fit = _fit_angle(line)
        if fit is None or fit[1] > 1.5:
            continue
        ang, rms = fit
        if abs(ang) <= 45:
            horiz.append((ang, len(pts)))
        else:
            vert.append((ang - 90.0 if ang > 0 else ang + 90.0, len(pts)))
    use = horiz or vert
    if len(horiz) == 2 and len(vert) == 2 and _spread(horiz) > PAIR_SPREAD and _spread(vert) < _spread(horiz):
        use = vert  # the top or the bottom cut off square: the sides that run together
    if not use:
        return None
    four = len(horiz) == 2 and len(vert) == 2 and _whole(horiz + vert)
    return EdgeFit(
        angle=float(np.mean([a for a, _ in use])),
        sides=len(use),
        pair=len(use) >= 2,
        whole=_whole(use),
        spread=_spread(use),
        square=not four or abs(np.mean([a for a, _ in horiz]) - np.mean([a for a, _ in vert])) <= PAIR_SPREAD,
        side_angles=tuple(a for a, _ in horiz + vert),
    )


def _whole(sides: list[tuple[float, float]]) -> bool:
    """Whether every side ((angle, profiles) each) was followed over its whole length (WHOLE_SIDE of its profiles)."""
    return all(n >= WHOLE_SIDE * SIDE_SAMPLES for _, n in sides)


def _spread(sides: list[tuple[float, float]]) -> float:
    """Degrees between the sides' angles ((angle, profiles) each; 0 with one side)."""
    return float(np.ptp([a for a, _ in sides]))


def _profiles(v: np.ndarray) -> np.ndarray:
    """Projection profiles (linear binning) of positions across the lines, in bins from 0 (one row per angle):
    rows x bins."""
    i0 = np.floor(v).astype(np.int64)
    f = v - i0
    nb = int(i0.max()) + 2
    idx = (i0 + np.arange(len(v))[:, None] * nb).ravel()
    size = len(v) * nb
    hist = np.bincount(idx, weights=(1 - f).ravel(), minlength=size) + np.bincount(
        idx + 1, weights=f.ravel(), minlength=size
    )
    return hist.reshape(len(v), nb)


def _scores(x: np.ndarray, y: np.ndarray, angles: np.ndarray, bin_px: float, detrend: int = 0) -> np.ndarray:
    """Projection-profile energy of points for each candidate angle (linear binning; `detrend` > 0: of the profile
    less its running mean over that many bins). Shape (len(angles),)."""
    t = np.radians(angles)[:, None]
    v = (x[None, :] * np.sin(t) + y[None, :] * np.cos(t)) / bin_px
    hist = _profiles(v - v.min())
    if detrend:
        hist = hist - cv2.blur(hist, (detrend, 1), borderType=cv2.BORDER_REPLICATE)
    return (hist**2).sum(axis=1)


def _search(
    x: np.ndarray, y: np.ndarray, centre: float, span: float, step: float, bin_px: float, detrend: int = 0
) -> float:
    angles = np.arange(centre - span, centre + span + step / 2, step)
    s = _scores(x, y, angles, bin_px, detrend)
    k = int(np.argmax(s))
    if 0 < k < len(angles) - 1:
        den = s[k - 1] - 2 * s[k] + s[k + 1]
        if den < 0:
            return float(angles[k] + 0.5 * (s[k - 1] - s[k + 1]) / den * step)
    return float(angles[k])


def text_skew(ink: np.ndarray, prior: float | None = None, max_points: int = 5000) -> float | None:
    """Skew of the text lines from the projection profile of ink pixels (coarse to fine)."""
    fit = text_fit(ink, prior, max_points)
    return None if fit is None else fit[0]


def text_fit(ink: np.ndarray, prior: float | None = None, max_points: int = 5000) -> tuple[float, float] | None:
    """Skew of the text lines (degrees, CCW) and how sharply it stands out (0 = not at all).

    The sharpness is the share of projection-profile energy lost 0.5° either side of the best angle: clean
    lines of print lose much, a page of scattered marks little. A thin straight stroke that outscores the print
    (a pen line crossing a few lines of print out, a line drawn under them; `_stroke`) is left out and the search
    made again, up to MAX_STROKES times; a stroke that runs with the ink left (it scores STROKE_AGREE of its best
    at the stroke's angle: a form's printed rule, an underline, a footer line of small print) keeps its angle.
    """
    nz = cv2.findNonZero(ink.view(np.uint8) if ink.dtype == np.bool_ else ink.astype(np.uint8))
    if nz is None or len(nz) < 50:  # findNonZero: (x, y) in row-major order, like np.nonzero, at half its cost
        return None
    nz = nz.reshape(-1, 2)  # int32; only the samples the searches use are made float (a dense sheet has 300k)
    centre = _even(nz, max_points).mean(axis=0)
    fit, x, y = _lines(nz, centre, prior, max_points)
    for _ in range(MAX_STROKES):
        keep = _stroke(nz, fit[0], ink, centre, max_points)
        if keep is None:
            break
        rest = nz[keep]
        refit, x, y = _lines(rest, centre, prior, max_points)
        s = _scores(x, y, np.array([fit[0], refit[0]]), 1.0)
        if s[0] >= STROKE_AGREE * s[1]:
            break  # the stroke runs with the rest (a printed rule, an underline): its angle stands
        nz, fit = rest, refit
    return fit


def _even(nz: np.ndarray, max_points: int) -> np.ndarray:
    """Every k-th of the ink points (Nx2, int32), at most max_points, as float64."""
    return nz[:: max(1, math.ceil(len(nz) / max_points))].astype(np.float64)


def _lines(
    nz: np.ndarray, centre: np.ndarray, prior: float | None, max_points: int
) -> tuple[tuple[float, float], np.ndarray, np.ndarray]:
    """text_fit's search over ink points (Nx2, int32): (the angle and its sharpness) and the fine search's points
    about `centre` (x, y)."""
    x, y = (_even(nz, max_points) - centre).T  # every k-th: for the fine search
    if prior is None:
        # the wide search on a seeded random sample: every k-th pixel of the row-major list lies on a lattice whose
        # diagonals outscored a dense form's rows (a straight scan of a 1.6 mm order sheet read 25-31°)
        pick = np.random.default_rng(0).integers(0, len(nz), COARSE_POINTS) if len(nz) > COARSE_POINTS else slice(None)
        rx, ry = (nz[pick] - centre).T
        a = _search(rx, ry, 0.0, MAX_TEXT_SKEW, COARSE_STEP, COARSE_BIN, COARSE_DETREND)
        a = _search(x, y, a, 1.5, 0.25, 1.5)
    else:
        a = _search(x, y, prior, 1.0, 0.25, 1.5)
    a = _search(x, y, a, 0.3, 0.05, 1.0)
    s = _scores(x, y, np.array([a - 0.5, a, a + 0.5]), 1.0)
    return (a, float(1.0 - (s[0] + s[2]) / (2.0 * s[1])) if s[1] > 0 else 0.0), x, y


def _stroke(nz: np.ndarray, angle: float, ink: np.ndarray, centre: np.ndarray, max_points: int) -> np.ndarray | None:
    """The ink points (mask over nz, ink's points, Nx2 int32) left once a thin straight stroke at `angle` is taken
    out; None when the profile at `angle` (of every k-th point, at most max_points) does not rest on one.

    A stroke: the profile's highest peak is at most STROKE_WIDTH px wide at half its height, holds at least
    STROKE_SHARE of the profile's energy within STROKE_BAND px, and leaves at least STROKE_LEFT of the ink (a lone line
    of small print is the text). Lines of print are wider: 3.5 mm print on a 600 dpi scan, 8-10 px and 0.27-0.69
    of the energy; a 0.6-0.8 mm pen line 1-3 px and 0.73-0.90 (session 18 scratch pages). The print the stroke
    crosses stays: a point of its band with ink just beyond either edge of the band.
    """
    t = math.radians(angle)
    normal = np.array([math.sin(t), math.cos(t)])  # across the lines, as _scores projects
    even = (_even(nz, max_points) - centre) @ normal
    low = float(even.min())
    h = _profiles((even - low)[None, :])[0]
    k = int(np.argmax(h))
    sq = h * h
    band = slice(max(0, k - STROKE_BAND), k + STROKE_BAND + 1)
    if np.count_nonzero(h[band] >= h[k] / 2) > STROKE_WIDTH or sq[band].sum() < STROKE_SHARE * sq.sum():
        return None
    lo, hi = k, k  # the stroke's whole width: out to where its profile falls to a tenth of its peak
    while lo > max(0, k - 2 * STROKE_BAND) and h[lo - 1] > 0.1 * h[k]:
        lo -= 1
    while hi < min(len(h) - 1, k + 2 * STROKE_BAND) and h[hi + 1] > 0.1 * h[k]:
        hi += 1
    v = (nz - centre) @ normal - low  # only on a page with a stroke: every point
    inside = np.flatnonzero((v >= lo - 1) & (v <= hi + 1))
    keep = np.ones(len(nz), bool)
    keep[inside] = False
    p = nz[inside].astype(np.float64)
    for edge in (lo - 3, hi + 3):
        q = np.rint(p + (edge - v[inside])[:, None] * normal[None, :]).astype(np.int64)
        seen = (q[:, 0] >= 0) & (q[:, 0] < ink.shape[1]) & (q[:, 1] >= 0) & (q[:, 1] < ink.shape[0])
        hit = np.zeros(len(q), bool)
        hit[seen] = ink[q[seen, 1], q[seen, 0]] > 0
        keep[inside[hit]] = True
    return keep if np.count_nonzero(keep) >= max(50, STROKE_LEFT * len(nz)) else None


AGREE_DEG = 0.25  # outline and text lines within this of each other: the outline (more precise) is kept
MIN_TEXT_SHARPNESS = 0.15  # text lines at least this clean can overrule a doubtful outline


def decide(
    edge: EdgeFit | None, text: tuple[float, float] | None, rules: float | None = None
) -> tuple[float | None, str]:
    """The skew and its source ("page_edges", "ruled_lines", "text_lines", "none") from the outline, the paper's
    ruled lines (qc.rules, degrees) and the text lines.

    The outline is precise when both opposite sides were followed over their whole length (their angles may
    differ by the perspective; their mean is the page's skew; EdgeFit.trusted); a single side, or a side clipped by
    the frame, hidden or bent, or a pair further apart than a square sheet's (PAIR_SPREAD), is checked against the
    ruled lines, else clean text lines, which win when the two disagree. Two sides of such an outline that run
    within AGREE_DEG of each other and of the lines (however weakly peaked: they only pick, they are not taken)
    are the sheet's square sides and give its skew: a sheet cut on a slant at its top and left, or at its top and
    bottom alike (the session-27 tester: read 1.75-2° and 4° off its print).
    Ruled lines spanning the page stand for the paper itself and always take the place of the text lines.
    Measured (bench/qc/sweeps.py clipped --n 80): the outline alone MAE 0.141°, p95 0.637°; decided 0.123°,
    0.614°. Text lines less clean than MIN_TEXT_SHARPNESS (0.05-0.1) would correct a side turned by the perspective
    (0.040°, 0.221°) but turn a page by a crooked glued lab slip's lines or drifting handwriting (the sixth
    break-it tester: up to 2.1°); every such page fails cut_off, so neither reaches a delivered page.
    """
    lines, source = ((rules, 1.0), "ruled_lines") if rules is not None else (text, "text_lines")
    if edge is None:
        return (None, "none") if lines is None else (lines[0], source)
    if lines is None or abs(edge.angle - lines[0]) <= AGREE_DEG:
        return edge.angle, "page_edges"
    if not edge.trusted:
        corner = [a for a in edge.side_angles if abs(a - lines[0]) <= AGREE_DEG]
        if len(corner) >= 2 and np.ptp(corner) <= AGREE_DEG:  # sides that run with each other and with the print:
            return float(np.mean(corner)), "page_edges"  # the sheet's square ones, whatever its slanted cuts
        if lines[1] >= MIN_TEXT_SHARPNESS:
            return lines[0], source
    return edge.angle, "page_edges"
