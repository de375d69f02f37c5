"""Skew from the paper's long straight ruled lines (lined or graph paper, faint printed form rules).

Handwriting's baselines slope; the rules printed on the paper do not. On the analysis grid's black-hat map (dark
strokes thinner than 9 px, `qc.page.blackhat`), with the ink and its rim left out (handwriting and print are the text
lines' cue; what stays is fainter than ink), the horizontal rules are found by averaging the map over groups of
COMPRESS columns (the vertical rules: rows), smoothing along the line, keeping thin ridges (a vertical top-hat:
a band of faint show-through print is thicker) at least RISE grey levels above the paper beside them, and opening
with a long kernel along the line: what is left is long thin straight structure within about FREE_DEG of the grid
(beyond, the map is first turned by the text lines' angle). Its angle comes from the projection profile of those
pixels (qc.skew's search), refined to 0.025° steps on the lines that cover SPAN of the paper; at least MIN_LINES
such lines are needed. A page without them stops after the compressed maps' opening (about 1 ms on a 12 MP photo).

`line_mask` marks the same kind of lines, ink-dark or faint, on the working image for the focus measure: a page
found blurred is read again without them (qc.focus.focus).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from qc import skew as sk

COMPRESS = 4  # analysis pixels along the line averaged into one cell of the compressed map
SMOOTH = 5  # compressed cells averaged along the line (20 analysis pixels) before the threshold
RISE = 3.0  # grey levels of black-hat a rule stands above the paper beside it, averaged along the line
OPEN_SHARE = 1 / 16  # the opening kernel along the line, as a share of the page's extent along it
SPAN = 0.5  # a line counts when it covers at least this share of the paper's extent along it
MIN_LINES = 5  # spanning lines needed to trust the rules (a curled page or a form photo shows a few stray ones)
FREE_DEG = 3.0  # rules within this of the grid are found as they are; beyond, the map is first turned by the prior
_NEAR = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))  # the ink and its anti-aliased rim are left out
_THIN = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 7))  # rules are thinner than 7 analysis px
MARGIN = 0.02  # the frame's border band (share of each side) left out: a scanner's frame edge is no rule


def _compress(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The map averaged over COMPRESS columns (h x w // COMPRESS) and, transposed, over COMPRESS rows."""
    h, w = m.shape
    wc, hc = w // COMPRESS, h // COMPRESS
    rows = cv2.resize(m[:, : wc * COMPRESS], (wc, h), interpolation=cv2.INTER_AREA)
    cols = cv2.resize(m[: hc * COMPRESS], (w, hc), interpolation=cv2.INTER_AREA)
    return rows, cv2.transpose(cols)


def _family(c: np.ndarray, region_extent: float, level: float) -> np.ndarray:
    """Points (Nx2, float64, analysis pixels) on long near-horizontal thin lines of a compressed black-hat map c."""
    h, wc = c.shape
    if wc < 8:
        return np.empty((0, 2))
    s = cv2.blur(c, (SMOOTH, 1))
    s = cv2.morphologyEx(s, cv2.MORPH_TOPHAT, _THIN)  # thin ridges only: no band of faint print (show-through)
    _, b = cv2.threshold(s, level, 1, cv2.THRESH_BINARY)
    mx, my = max(1, int(MARGIN * wc)), max(1, int(MARGIN * h))
    b[:my], b[h - my :], b[:, :mx], b[:, wc - mx :] = 0, 0, 0, 0
    k = max(SMOOTH + 2, int(OPEN_SHARE * region_extent / COMPRESS))
    b = cv2.morphologyEx(b, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    if cv2.countNonZero(b) * COMPRESS < MIN_LINES * SPAN * region_extent:
        return np.empty((0, 2))  # not even two spanning lines' worth of pixels: the cheap exit
    nz = cv2.findNonZero(b).reshape(-1, 2).astype(np.float64)
    nz[:, 0] = nz[:, 0] * COMPRESS + (COMPRESS - 1) / 2.0
    return nz


def _spanning(pts: np.ndarray, angle: float, extent: float) -> tuple[np.ndarray, int]:
    """The points on lines (at `angle`, 3 px bands) covering at least SPAN of `extent` (analysis px) with their
    count of compressed cells, and how many such lines there are."""
    if not len(pts):
        return pts, 0
    t = math.radians(angle)
    v = pts[:, 0] * math.sin(t) + pts[:, 1] * math.cos(t)
    keep = np.zeros(len(pts), bool)
    lines = 0
    for off in (0.0, 1.5):  # two band phases, so a line on a band border is not split
        band = np.floor((v - v.min() + off) / 3.0).astype(np.int64)
        cell = np.floor(pts[:, 0] / COMPRESS).astype(np.int64)
        ncell = int(cell.max()) + 1
        uniq = np.unique(band * ncell + cell)
        cover = np.bincount(uniq // ncell, minlength=int(band.max()) + 1) * COMPRESS
        good = cover >= SPAN * extent
        n = int(np.count_nonzero(good & ~np.r_[False, good[:-1]]))  # runs of good bands: one line each
        if n > lines:
            lines, keep = n, good[band]
    return pts[keep], lines


def ruled_fit(
    hat: np.ndarray, ink: np.ndarray, region: np.ndarray, prior: float | None = None
) -> tuple[float, int] | None:
    """Skew of the paper's long straight ruled lines (degrees, CCW positive) and how many span the page.

    `hat`: the analysis grid's black-hat map (uint8, h x w; `qc.page.blackhat`); `region`: the paper on that grid
    (uint8 0/1, h x w); `prior`: an estimate (degrees) to turn the map by when it is beyond FREE_DEG. None when
    fewer than MIN_LINES horizontal and vertical lines together each cover SPAN of the paper's width or height.
    """
    _, _, width, height = cv2.boundingRect(region)  # the paper's extent along and across the rows
    if min(width, height) < 32:
        return None
    keep = cv2.bitwise_and(region, cv2.bitwise_not(cv2.dilate(ink.view(np.uint8), _NEAR)))
    m = cv2.bitwise_and(hat, hat, mask=keep)
    turn = prior if prior is not None and abs(prior) > FREE_DEG else 0.0
    h, w = m.shape
    if turn:
        rot = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -turn, 1.0)
        m = cv2.warpAffine(m, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    rows, cols = _compress(m)
    level = RISE
    hp = _family(rows, width, level)
    vp = _family(cols, height, level)  # vertical rules as rows: (x, y) there is (y, x) here
    if len(hp) + len(vp) == 0:
        return None
    flip = np.array([1.0, -1.0])  # a vertical rule at skew a, (x, y) on the transposed map, is (x, -y) at skew a
    both = np.concatenate([hp, vp * flip])
    x, y = both[:, 0] - both[:, 0].mean(), both[:, 1] - both[:, 1].mean()
    sub = slice(None, None, max(1, len(x) // 5000))
    a = sk._search(x[sub], y[sub], 0.0, FREE_DEG, 0.25, 1.5)
    hk, nh = _spanning(hp, a, width)
    vk, nv = _spanning(vp, -a, height)
    if nh + nv < MIN_LINES:
        return None
    kept = np.concatenate([hk, vk * flip])
    x, y = kept[:, 0] - kept[:, 0].mean(), kept[:, 1] - kept[:, 1].mean()
    sub = slice(None, None, max(1, len(x) // 8000))
    a = sk._search(x[sub], y[sub], a, 0.4, 0.1, 1.0)
    a = sk._search(x[sub], y[sub], a, 0.15, 0.025, 1.0)
    return turn + a, nh + nv


LINE_HAT = 8  # grey levels a ruled line's pixel is darker than its surroundings (5 x 5 black-hat) to be masked
LINE_SHARE = 1 / 60  # a ruled line runs straight at least this share of the image's long side (~8 mm on A4 photos)


def line_mask(gray: np.ndarray) -> np.ndarray:
    """uint8 0/1 on the working image `gray` (uint8): 1 on and beside thin dark straight lines along its rows or
    columns (within about 4°) at least LINE_SHARE of its long side long — the rules of forms and tables and the
    grids of temperature charts 体温单, ECG and graph paper.

    For the focus measure (qc.focus.focus): a thin line's edge cannot tell a pale sharp line from a dark blurred
    one (`bench/qc/lines.py`: a line 0.5 px wide blurred by sigma 1 reads 0.6, and where lines cross the profile
    runs through the other line and a sharp grid reads sigma 1.2), so a page found blurred is read again on its
    print, handwriting, curves and traces, without the ruled lines. Strokes of text are shorter than the kernel.
    """
    hat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    dark = cv2.compare(hat, LINE_HAT, cv2.CMP_GE) // 255
    n = max(15, int(max(gray.shape) * LINE_SHARE))
    along = cv2.morphologyEx(cv2.dilate(dark, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, np.ones((1, n), np.uint8))
    down = cv2.morphologyEx(cv2.dilate(dark, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, np.ones((n, 1), np.uint8))
    return cv2.dilate(cv2.bitwise_or(along, down), np.ones((3, 3), np.uint8))
