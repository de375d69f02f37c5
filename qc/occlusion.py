"""Objects over the page: a finger, a thumb, a phone or a pen reaching onto the paper from outside it.

An occluder is a thick region inside the paper's outline that is much darker than the paper around it, has a
sharp boundary (a shadow's is soft), enters from the paper's outline or the frame's edge (something lying on the
sheet from outside, not something printed on it) and reaches into the text area. Print, handwriting and stamps
are strokes: the median filter that finds thick regions removes them, so coloured seals and red headings do not
count however dark they are in grey.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from qc.page import opened_body, outline_hull
from qc.stats import median

DARKER = 0.78  # an occluder is darker than this share of the local paper level
MEDIAN = 5  # median filter (mid-grid pixels, ~1 px/mm on an A4 page in a 12 MP frame): removes strokes
PAPER_KERNEL = 61  # local paper level: the brightest smoothed value within this window
MIN_SLOPE = 8.0  # grey levels per pixel across the object's boundary (median): a shadow's edge is softer
MIN_EDGE_SHARPNESS = 0.2  # and the steepest step near it at least this share of how much darker than the paper
# it is (per pixel): an object's edge crosses in 1-3 grid pixels, a deep hand shadow's in about ten
_NEAR = np.ones((5, 5), np.uint8)
_NEAR_PALE = np.ones((9, 9), np.uint8)
MIN_AREA = 0.004  # share of the paper an object must cover to count
MIN_REACH = 0.1  # it reaches at least this share of the paper's short side in from the outline (past the margin)
MAX_INK_INSIDE = 0.25  # an opaque object hides the print: its inside holds < this share of the text area's ink
HIDES = 0.5  # an opaque region whose rows hold at least this share of the text area's ink beside it hides print:
# an object however soft its edge (a finger held above the page, defocused), for a shadow lets print show through
IN_TEXT = 0.5  # share of its inside within the text area; from IN_TEXT_MIN, only where print runs up to it
IN_TEXT_MIN = 0.25  # (PRINT_UP_TO): a finger from the margin over the ends of dense lines lies 0.42 in the text area,
# a hand's shadow on the blank paper beside a stamp 0.44 (the text area is the ink's bounding box)
PRINT_UP_TO = 0.4  # share of the text area's ink density in the ring 2-6 grid px around the region's inside
HIDDEN = 0.8  # share of the print beside it (by rows) that must not show inside it
CORE = 5  # _hides_print judges a region's core, this far in from its inside (grid pixels, a 5 x 5 erosion)
ROW_SMOOTH = 9  # grid rows (~8 mm on an A4 photo: a line of print and the gap to the next)
MIN_ROW_SEEN = 0.1  # a row with less of its text area clear than this share of the widest is judged by the whole
ACROSS = 0.9  # a dark region this share as wide (or high) as the paper crosses it from side to side: the shadow of
# something above the page (the camera's arm) or a tinted band of a form, judged as a soft edge is (_hides_print)
MIN_DEPTH = 0.25  # it reaches into the paper at least this share of how wide it enters (a band along an edge
# of the frame - background, a shadowed strip - does not; a phone over a corner enters along 2-3.5 x its reach)


@dataclass(frozen=True)
class Occlusion:
    """The objects found over the paper."""

    share: float  # share of the paper covered by the objects that reach the text area (0 when none)
    box: tuple[int, int, int, int] | None  # x0, y0, x1, y1 of the largest, in the grid's pixels
    sides: tuple[str, ...]  # sides of the page the objects come in from ("top", "right", "bottom", "left")


NONE = Occlusion(0.0, None, ())
# per paper level L (0-255): the grey levels g with g < DARKER * L (float32, as a float image would compare them)
# are those below _DARK_BELOW[L], so the dark test runs on uint8 images without a float copy
_GREYS = np.arange(256, dtype=np.float32)
_DARK_BELOW = np.array([np.count_nonzero(_GREYS < np.float32(DARKER) * np.float32(lv)) for lv in range(256)], np.uint8)


def solid_outline(bright: np.ndarray) -> np.ndarray:
    """The paper's outline without thin bright things sticking out of it (a finger lit as bright as paper).

    `bright` is the paper's bright region (uint8 0/255); it is opened (qc.page.opened_body) and the convex hull of
    what is left is returned (uint8 0/255, same grid).
    """
    out = np.zeros_like(bright)
    if not bright.any():
        return out
    opened, _ = opened_body(bright)
    if not opened.any():
        return bright.copy()
    cv2.fillConvexPoly(out, outline_hull(opened), 255)
    return out


def find(mid: np.ndarray, paper: np.ndarray, ink: np.ndarray, object_grey: float | None = None) -> Occlusion:
    """Objects over the paper on a mid-resolution grey image (uint8, ~500 px long side).

    `paper` is the paper's outline (uint8 0/255, see solid_outline) and `ink` the ink mask, both on mid's grid.
    `object_grey`: the grey of an object seen reaching in from the frame's edge, as a share of the paper's
    (qc.page.Page.object_grey): a finger lit brighter than DARKER of the paper is then looked for over the paper
    half-way between its grey and the paper's, as a smooth body (print, which that looser threshold takes in too,
    is no part of it), and its edge judged by its steepness for its depth alone (its contrast is low).
    """
    h, w = mid.shape
    area = int(np.count_nonzero(paper))
    if area < 0.05 * h * w or not ink.any():
        return NONE
    med = cv2.medianBlur(mid, MEDIAN)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (PAPER_KERNEL, PAPER_KERNEL))
    level = cv2.dilate(cv2.bitwise_and(med, paper), k)  # paper is 0/255: the median on the paper, 0 elsewhere
    below = _DARK_BELOW
    if object_grey is not None and (object_grey + 1.0) / 2.0 > DARKER:
        ratio = np.float32(min(0.95, (object_grey + 1.0) / 2.0))
        below = np.array([np.count_nonzero(_GREYS < ratio * np.float32(lv)) for lv in range(256)], np.uint8)
    dark = cv2.compare(med, cv2.LUT(level, below), cv2.CMP_LT) & paper & 1
    if below is not _DARK_BELOW:  # a pale object: only its smooth body, not print the looser threshold takes in
        dark &= cv2.dilate(dark & _smooth(mid, med), _NEAR)  # and its edge zone back (2 px)
    if np.count_nonzero(dark) < MIN_AREA * area:
        return NONE  # too little dark paper for any object: the opening and the labelling cannot find one
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))  # thick things only
    if np.count_nonzero(dark) < MIN_AREA * area:
        return NONE  # the usual page: too few thick dark pixels for any object (the labelling is the costly part)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    big = [j for j in range(1, n) if stats[j, cv2.CC_STAT_AREA] >= MIN_AREA * area]
    if not big:
        return NONE  # the usual page: nothing thick and dark over the paper, nothing more to measure
    inner = cv2.erode(paper, np.ones((7, 7), np.uint8))
    rim = (paper > 0) & (inner == 0)
    rim[:3, :] |= paper[:3, :] > 0
    rim[-3:, :] |= paper[-3:, :] > 0
    rim[:, :3] |= paper[:, :3] > 0
    rim[:, -3:] |= paper[:, -3:] > 0
    text = _text_area(ink)
    ink_density = float(ink[text].mean()) if text.any() else 0.0
    ys, xs = np.nonzero(paper)
    span = (int(xs.max() - xs.min()), int(ys.max() - ys.min()))
    reach = MIN_REACH * min(span)
    depth = cv2.distanceTransform((~rim).astype(np.uint8), cv2.DIST_L2, 3)
    gx = cv2.Sobel(med, cv2.CV_32F, 1, 0, ksize=3) * 0.125
    gy = cv2.Sobel(med, cv2.CV_32F, 0, 1, ksize=3) * 0.125
    step = cv2.magnitude(gx, gy)
    total, best, sides = 0, None, set()
    relief: tuple[np.ndarray, float] | None = None
    rows: tuple[np.ndarray, np.ndarray] | None = None
    steepest: list[np.ndarray] = []

    def near_step() -> np.ndarray:  # the steepest step nearby (a pale object's smooth body ends a few px inside it)
        if not steepest:
            steepest.append(cv2.dilate(step, _NEAR if below is _DARK_BELOW else _NEAR_PALE))
        return steepest[0]

    candidates = [(labels == j, stats[j], True) for j in big]
    while candidates:
        comp, (x, y, bw, bh, a), split = candidates.pop(0)
        across = bw >= ACROSS * span[0] or bh >= ACROSS * span[1]
        if across and split:  # a band across the paper: an object inside it is darker than the band's paper
            candidates += _within(comp, med, MIN_AREA * area)
        if not (comp & rim).any():
            continue  # not coming from outside the paper: printed, or lying wholly on it
        inside = cv2.erode(comp.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        if inside.any() and float(ink[inside].mean()) >= MAX_INK_INSIDE * ink_density:
            continue  # print shows through: a shadow, a tinted or overlapping sheet, not an opaque object
        relief = relief or _relief(mid, text & (labels == 0))
        if inside.any() and float(relief[0][inside].mean()) >= MAX_INK_INSIDE * relief[1]:
            continue  # print shows through, faint in absolute terms: a deep shadow
        entry = np.count_nonzero(comp & rim) / 3.0
        deepest = float(depth[comp].max())
        if deepest < reach:
            continue  # in the margin: holding the page, not hiding text
        if deepest < MIN_DEPTH * entry:
            continue
        edge = comp & ~cv2.erode(comp.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & (inner > 0)
        slope = median(step[edge]) if edge.any() else None
        # soft edge: a shadow (a pale object, under MIN_SLOPE by its low contrast, is judged by the second test);
        # or soft for how dark it is: a deep shadow (its boundary spreads over many pixels)
        soft = slope is not None and slope < MIN_SLOPE and below is _DARK_BELOW
        peak = median(near_step()[edge]) if slope is not None and not soft else None  # the steepest step near it
        soft = soft or (
            peak is not None and peak < MIN_EDGE_SHARPNESS * median(level[comp].astype(np.float32) - med[comp])
        )
        if soft or across:  # or a band across the whole paper
            rows = rows or (_row_density(ink, text, labels == 0), _row_density(relief[0], text, labels == 0))
            if not _hides_print(inside, text, ink, relief[0], rows, ink_density):
                continue  # unless it hides print row by row, which a shadow never does
        total += int(a)
        if best is None or a > best[0]:
            best = (a, (x, y, x + bw, y + bh))
        sides.add(_entry_side(comp & rim, paper))
    if best is None:
        return NONE
    return Occlusion(total / area, best[1], tuple(sorted(sides)))


def _within(band: np.ndarray, med: np.ndarray, min_area: float) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The thick parts of a dark band across the paper (bool) darker than DARKER of the band's own paper (its 90th
    percentile grey of `med`): a finger or a phone over the page in the shadow of the camera's arm joins the band's
    region, and the print showing through the band hid it. Each as (mask, (x, y, w, h, area), False)."""
    deeper = band & (med < DARKER * float(np.percentile(med[band], 90)))
    deeper = cv2.morphologyEx(deeper.view(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(deeper, connectivity=8)
    return [(labels == j, stats[j], False) for j in range(1, n) if stats[j, cv2.CC_STAT_AREA] >= min_area]


def _row_density(marks: np.ndarray, text: np.ndarray, clear: np.ndarray) -> np.ndarray:
    """Per grid row, the density of `marks` (bool: ink, or relief marks) over its text area (`text`, bool)
    outside every dark region (`clear`, bool), smoothed over ROW_SMOOTH rows (a line of print and the gap to the
    next): what an object lying in that row hides, text running in lines across the page. Rows outside the text
    area hold none; a row whose text area is almost all dark is judged by the text area as a whole."""
    clear = clear & text
    k = np.ones(ROW_SMOOTH, np.float32) / ROW_SMOOTH
    seen = np.convolve(clear.sum(axis=1).astype(np.float32), k, "same")
    hits = np.convolve((marks & clear).sum(axis=1).astype(np.float32), k, "same")
    whole = float(marks[text].mean()) if text.any() else 0.0
    dens = np.where(seen >= MIN_ROW_SEEN * max(1.0, float(seen.max())), hits / np.maximum(seen, 1.0), whole)
    return np.where(text.any(axis=1), dens, 0.0)


def _hides_print(
    inside: np.ndarray,
    text: np.ndarray,
    ink: np.ndarray,
    marks: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray],
    ink_density: float,
) -> bool:
    """Whether an opaque region (`inside`, bool) hides print row by row: it lies mostly in the text area (`text`),
    or IN_TEXT_MIN of it does and print runs up to it (_print_up_to: a finger over the ends of lines); its rows
    there hold print beside it (at least HIDES of the text area's ink density, weighted by its width in each row)
    and in nearly all of that (HIDDEN) neither ink nor relief marks show inside it. A shadow lets the print of its
    rows show through, as relief at least; one over the margin beside ragged line ends hides none. It is judged
    by its core, CORE grid pixels in from its inside: a finger out of focus (sigma 20-30 px on a 12 MP frame, 3-4
    grid pixels) lets print show through its rim."""
    core = cv2.erode(inside.view(np.uint8), np.ones((CORE, CORE), np.uint8)) > 0
    judged = core if core.any() else inside
    ys, xs = np.nonzero(judged & text)
    if len(ys) < IN_TEXT_MIN * np.count_nonzero(judged):
        return False
    if len(ys) < IN_TEXT * np.count_nonzero(judged) and not _print_up_to(inside, text, ink, ink_density):
        return False
    y0 = int(ys.min())
    width = np.bincount(ys - y0).astype(np.float32)
    seen_ink = np.bincount(ys - y0, weights=ink[ys, xs]) / np.maximum(width, 1.0)
    seen_marks = np.bincount(ys - y0, weights=marks[ys, xs]) / np.maximum(width, 1.0)
    want_ink, want_marks = rows[0][y0 : y0 + len(width)], rows[1][y0 : y0 + len(width)]
    weight = width * want_ink
    if weight.sum() < HIDES * ink_density * width.sum():
        return False
    hidden = (seen_ink < MAX_INK_INSIDE * want_ink) & (seen_marks < MAX_INK_INSIDE * want_marks)
    return float(weight[hidden].sum()) >= HIDDEN * float(weight.sum())


def _print_up_to(inside: np.ndarray, text: np.ndarray, ink: np.ndarray, ink_density: float) -> bool:
    """Whether print runs up to a region (`inside`, bool): the ink in the text area 2-6 grid px around it holds at
    least PRINT_UP_TO of the text area's density (`ink_density`), as lines of print cut off by a finger do."""
    u8 = inside.view(np.uint8)
    ring = (cv2.dilate(u8, np.ones((13, 13), np.uint8)) > cv2.dilate(u8, np.ones((5, 5), np.uint8))) & text
    return bool(ring.any()) and float(ink[ring].mean()) >= PRINT_UP_TO * ink_density


RELIEF = 0.15  # a mark at least this much darker than the paper right around it (a share of that paper's grey)


def _relief(mid: np.ndarray, text: np.ndarray) -> tuple[np.ndarray, float]:
    """Marks by their depth relative to the grey right around them, and their share over `text` (bool, the text
    area outside every dark region). A shadow darkens print and paper alike, so under a deep shadow the print
    keeps its relative depth though the ink mask (absolute contrast) loses it; a finger or a phone has none."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    around = cv2.morphologyEx(mid, cv2.MORPH_CLOSE, k).astype(np.float32)
    marks = (around - mid.astype(np.float32)) > RELIEF * np.maximum(around, 8.0)
    return marks, float(marks[text].mean()) if text.any() else 0.0


SMOOTH_RESIDUE = 4.0  # grey levels: a finger's or a phone's body (shaded, but without marks) departs less than this
# from its own 5 x 5 median, averaged over 5 x 5 grid pixels; print departs much more


def _smooth(mid: np.ndarray, med: np.ndarray) -> np.ndarray:
    """uint8 0/1: where the grey holds no marks (see SMOOTH_RESIDUE); `med` is mid's 5 x 5 median."""
    residue = cv2.blur(cv2.absdiff(mid, med), (5, 5))
    return cv2.compare(residue, SMOOTH_RESIDUE, cv2.CMP_LT) & 1


def _entry_side(entry: np.ndarray, paper: np.ndarray) -> str:
    """The side of the page ("top", "right", "bottom", "left") where an object's entry lies, seen from the
    paper's centre."""
    ys, xs = np.nonzero(entry)
    py, px = np.nonzero(paper)
    dx = (xs.mean() - px.mean()) / max(1.0, float(np.ptp(px)))
    dy = (ys.mean() - py.mean()) / max(1.0, float(np.ptp(py)))
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "bottom" if dy > 0 else "top"


def _text_area(ink: np.ndarray) -> np.ndarray:
    """The text area: the ink's bounding box with its outliers (the 1 % at each end) left out."""
    ys, xs = np.nonzero(ink)
    out = np.zeros(ink.shape, bool)
    if len(xs) < 20:
        return out
    x0, x1 = np.percentile(xs, [1, 99]).astype(int)
    y0, y1 = np.percentile(ys, [1, 99]).astype(int)
    out[y0 : y1 + 1, x0 : x1 + 1] = True
    return out
