"""Where the paper is in the frame, how it is exposed, and how much ink it carries."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np


@dataclass(frozen=True)
class Page:
    """The paper as found on the low-resolution grid."""

    mask: np.ndarray  # uint8 0/255, convex hull of the paper
    quad: np.ndarray | None  # 4x2 float32 (tl, tr, br, bl) when the outline is a quadrilateral
    contact: tuple[float, float, float, float]  # share of the top, right, bottom, left frame side it touches
    full_frame: bool  # no mat visible: the paper fills the frame (a scan, or shot too close)
    bright: np.ndarray | None = None  # uint8 0/255, the bright region itself (before its convex hull)
    object_grey: float | None = None  # grey of an object reaching in from the frame, as a share of the paper's


@dataclass(frozen=True)
class Exposure:
    """Grey-level statistics of the paper region (0..1)."""

    paper_level: float
    ink_level: float
    brightness: float
    contrast: float
    clipped_highlights: float
    clipped_shadows: float
    midtones: float


MIN_SOLIDITY = 0.8  # a bright region filling less of its convex hull than this is full of holes (see find_page)
PRINT_CLOSE = 0.02  # then print is closed away over this share of the long side (~5 px of a 250 px grid) first
NARROW_CONTACT = 0.3  # a frame side touched over less than this share may be an object reaching in, not paper
WIDER = (1.0, 2.0, 3.0)  # openings tried in turn while a frame side is still touched narrowly (opened_body)
WIDE_OBJECT_GREY = 0.9  # with a wider square, only parts darker than this share of the paper are objects (a wooden
# ruler, a silver phone: 0.77-0.86); a pale part that wide may be the paper's own corner cut by the frame
BODY_KEPT = 0.85  # a wider opening counts only while it keeps this share of the region
OBJECT_GREY = 0.85  # a thin part of the bright region darker than this share of the paper's level is an object


def find_page(small: np.ndarray) -> Page:
    """Find the paper on a small grey image: the largest bright region (Otsu), as its convex hull.

    A finger, a hand or an object reaching in from outside the frame may be lit brighter than the background and
    join the paper's region: where the region touches a frame side narrowly, its thin parts that touch the frame
    and are darker than the paper are taken out (see _without_objects), so the outline is the paper's and the page
    is not called cut off because of a finger; the object is then judged over the paper (qc.occlusion).
    """
    h, w = small.shape
    region = _bright_region(small)
    mask, quad = _hull_quad(region)
    if region.any() and cv2.countNonZero(region) < MIN_SOLIDITY * cv2.countNonZero(mask) and not _fills(mask):
        # full of holes: on a mat nearly as light as the paper the threshold falls between them, and blocks of
        # print (at this scale nearly the mat's grey) are left out: the print is closed away first
        # (used only when it touches the frame no more than the first: it must not join the paper to a light mat)
        k = max(3, int(round(PRINT_CLOSE * max(h, w))) | 1)
        closed = _bright_region(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)))
        closed_mask, closed_quad = _hull_quad(closed)
        if max(_contact(closed_mask)) <= max(_contact(mask)):
            region, mask, quad = closed, closed_mask, closed_quad
    if region.any() and not _fills(mask):
        region = _over_tint(small, region, mask)
        mask, quad = _hull_quad(region)
    contact = _contact(mask)
    object_grey = None
    for wider in WIDER:  # a wide object (a ruler, a phone) is not opened away by the narrowest square: wider ones
        if not any(0 < c < NARROW_CONTACT for c in contact):
            break
        cleaned, grey = _without_objects(region, small, wider)
        if grey is not None:
            object_grey = grey if object_grey is None else max(object_grey, grey)
            region = _largest(cleaned, 0.05 * h * w)
            mask, quad = _hull_quad(region)
            contact = _contact(mask)
    full = _fills(mask) or not mask.any()
    if not mask.any():
        mask[:] = 255
    return Page(mask, None if full else quad, contact, full, region, None if full else object_grey)


TINT_GAP = 0.15  # a tinted band of the paper is lighter than the mat by this share of the paper's light above it
TINT_ADDS = 0.1  # and adds this share to the bright region at least


def _over_tint(small: np.ndarray, region: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The paper's bright region grown over the paper's darker parts: a tinted band or a deep shadow across its
    whole width cuts the bright region in two, and the largest piece alone was taken for the page (no cell below a
    band tinted from 30 % to 75 % of the page's height was scored). uint8 0/255, small's grid.

    The pixels darker than the paper's threshold are split again (Otsu); the lighter ones joined to the region
    are its tint when they are clearly lighter than the rest (TINT_GAP of the way from the mat to the paper), add
    at least TINT_ADDS to it and touch no frame side the region's hull does not, unless narrowly (NARROW_CONTACT):
    a light mat is no tint; a finger or a phone reaching in from the frame across the band joins it and is taken
    out again with the objects (find_page). `region` itself otherwise.
    """
    soft = cv2.GaussianBlur(small, (5, 5), 0)
    t1, _ = cv2.threshold(soft, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = soft[soft <= t1]
    if dark.size < 16:
        return region
    t2, _ = cv2.threshold(dark.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, labels = cv2.connectedComponents(cv2.compare(soft, t2, cv2.CMP_GT), connectivity=4)
    ids = labels[region > 0]
    grown = labels == int(np.bincount(ids[ids > 0]).argmax()) if ids.any() else None
    if grown is None:
        return region
    added = grown & (region == 0)
    rest = ~grown
    if np.count_nonzero(added) < TINT_ADDS * np.count_nonzero(region) or not rest.any():
        return region
    paper, tint, mat = (float(np.median(soft[m])) for m in (region > 0, added, rest))
    if tint - mat < TINT_GAP * (paper - mat):
        return region
    new_sides = zip(_contact(added.view(np.uint8) * np.uint8(255)), _contact(mask), strict=True)
    if any(c >= NARROW_CONTACT and t == 0 for c, t in new_sides):
        return region
    return grown.view(np.uint8) * np.uint8(255)


def _fills(mask: np.ndarray) -> bool:
    """Whether a region fills the frame: it touches three of its sides over more than 60 %."""
    return sum(c > 0.6 for c in _contact(mask)) >= 3


def _bright_region(small: np.ndarray) -> np.ndarray:
    """The largest bright region (Otsu's threshold after a 5 x 5 Gaussian) of a small grey image, uint8 0/255."""
    _, bright = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return _largest(bright, 0.05 * small.shape[0] * small.shape[1])


def _largest(bright: np.ndarray, min_area: float) -> np.ndarray:
    """The largest 4-connected component of a 0/255 image when it covers at least min_area pixels (else empty)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    region = np.zeros_like(bright)
    if n > 1:
        k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        if stats[k, cv2.CC_STAT_AREA] >= min_area:
            region[labels == k] = 255
    return region


def _hull_quad(region: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The region's filled convex hull (uint8 0/255) and, when that is a quadrilateral, its corners."""
    mask = np.zeros_like(region)
    if not region.any():
        return mask, None
    hull = outline_hull(region)
    cv2.fillConvexPoly(mask, hull, 255)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    return mask, _order(approx.reshape(4, 2).astype(np.float32)) if len(approx) == 4 else None


def _contact(mask: np.ndarray, band: int = 2) -> tuple[float, float, float, float]:
    """Share of the top, right, bottom and left frame side the mask touches (within `band` pixels)."""
    return (
        float(mask[:band].max(axis=0).mean() / 255),
        float(mask[:, -band:].max(axis=1).mean() / 255),
        float(mask[-band:].max(axis=0).mean() / 255),
        float(mask[:, :band].max(axis=1).mean() / 255),
    )


def opened_body(region: np.ndarray, wider: float = 1.0) -> tuple[np.ndarray, int]:
    """A bright region (uint8 0/255) opened with a square an eighth of its extent's short side (wider than a thumb,
    so a finger, a thumb or a pen sticking out of the paper goes), or `wider` times that, and the square's side in
    pixels."""
    _, _, bw, bh = cv2.boundingRect(region)  # the extent of the non-zero pixels, without listing them
    side = max(3, int(0.125 * wider * min(bw - 1, bh - 1)) | 1)
    return cv2.morphologyEx(region, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))), side


def _without_objects(region: np.ndarray, small: np.ndarray, wider: float = 1.0) -> tuple[np.ndarray, float | None]:
    """The bright region without the thin parts (opened_body) that touch the frame's edge and either are darker
    than OBJECT_GREY of the paper's median grey, or reach out from the paper much further than they are thick, or
    come in away from its corners (a finger across the mat, however pale); and the brightest such part's median
    grey as a share of the paper's (None, and `region` itself, when there is none). A corner of the paper cut by
    the frame is as bright as the paper, short and at a corner: it stays. `wider` (opened_body) > 1 looks for wide
    objects (a ruler, a phone): only parts darker than WIDE_OBJECT_GREY count, and only while the opening keeps
    BODY_KEPT of the region."""
    opened, side = opened_body(region, wider)
    near = side / wider  # the paper's own corner is judged at the narrowest opening's scale
    if not opened.any() or (wider > 1 and cv2.countNonZero(opened) < BODY_KEPT * cv2.countNonZero(region)):
        return region, None  # a wider square eats the paper itself (a page in perspective, a narrow one)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.subtract(region, opened), connectivity=8)
    h, w = region.shape
    paper = max(1.0, float(np.median(small[opened > 0])))
    out, grey, away = region, None, None
    body_quad = _hull_quad(opened)[1]  # a part touching the frame near one of its corners may be the paper's own
    for j in range(1, n):
        x, y, cw, ch = (int(v) for v in stats[j, :4])
        if not (x == 0 or y == 0 or x + cw == w or y + ch == h):
            continue
        part = labels == j
        g = float(np.median(small[part])) / paper
        if wider > 1 and g >= WIDE_OBJECT_GREY:
            continue  # a wide part as bright as the paper: a piece of it (its corner cut by the frame), not an object
        if g >= OBJECT_GREY:
            if away is None:  # distance from the paper's body, computed once
                away = cv2.distanceTransform(cv2.bitwise_not(opened), cv2.DIST_L2, 3)
            thick = 2.0 * float(cv2.distanceTransform(part.view(np.uint8), cv2.DIST_L2, 3).max())
            cy, cx = float(y + ch / 2.0), float(x + cw / 2.0)
            near_corner = body_quad is None or min(math.hypot(cx - qx, cy - qy) for qx, qy in body_quad) < 2 * near
            if float(away[part].max()) < max(near, 2.0 * thick) and near_corner:
                continue  # short, as bright as the paper and at its corner: the paper's own corner
        out = out.copy() if out is region else out
        out[part] = 0
        grey = g if grey is None else max(grey, g)
    return out, grey


def outline_hull(region: np.ndarray) -> np.ndarray:
    """Convex hull (OpenCV point array) of a non-empty binary region, from its outer contours' points."""
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return cv2.convexHull(np.vstack(contours))


def _order(pts: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # clockwise on screen starting near -180°: tl, tr, br, bl
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def exposure(gray: np.ndarray, mask: np.ndarray) -> Exposure:
    """Paper and ink levels, contrast and clipping inside the mask."""
    hist = cv2.calcHist([gray], [0], mask, [256], [0, 256]).ravel()
    total = float(hist.sum())
    if total == 0:
        hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
        total = float(hist.sum())
    cdf = np.cumsum(hist) / total

    def pct(q: float) -> float:
        return float(np.searchsorted(cdf, q)) / 255.0

    paper, ink = pct(0.90), pct(0.005)
    return Exposure(
        paper_level=paper,
        ink_level=ink,
        brightness=pct(0.5),
        contrast=max(0.0, paper - ink),
        clipped_highlights=float(hist[250:].sum() / total),
        clipped_shadows=float(hist[:6].sum() / total),
        midtones=float(hist[40:216].sum() / total),
    )


def blackhat(gray: np.ndarray) -> np.ndarray:
    """How much darker than its surroundings each pixel is, for strokes thinner than 9 px (uint8, gray's shape)."""
    return cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))


STROKE_HAT = 20  # grey levels a stroke pixel is darker than its surroundings (black-hat), as ink_mask's floor
MIN_STROKE_PIXELS = 200
STROKE_QUANTILE = 0.01  # the darkest strokes: a few lines of handwriting among many more pixels of light rules


def stroke_exposure(expo: Exposure, gray: np.ndarray, hat: np.ndarray, region: np.ndarray) -> Exposure:
    """`expo` with the ink level read from the strokes themselves when that is darker: the 1st percentile grey of
    the pixels at least STROKE_HAT darker than their surroundings (`hat`: blackhat(gray)) inside `region`.

    The ink level is the page's 0.5th percentile grey; on a page of light printing (ruled or graph paper, a
    pale form) with a few lines of dark handwriting, the handwriting is under 0.5 % of the paper and the
    percentile reads the light rules: a well-exposed page was called low_contrast. A washed-out page keeps its
    low contrast: its strokes themselves are grey. `expo` itself when fewer than MIN_STROKE_PIXELS strokes.
    """
    strokes = cv2.bitwise_and(cv2.compare(hat, STROKE_HAT, cv2.CMP_GE), cv2.compare(region, 0, cv2.CMP_GT))
    hist = cv2.calcHist([gray], [0], strokes, [256], [0, 256]).ravel()
    total = float(hist.sum())
    if total < MIN_STROKE_PIXELS:
        return expo
    ink = float(np.searchsorted(np.cumsum(hist) / total, STROKE_QUANTILE)) / 255.0
    if ink >= expo.ink_level:
        return expo
    return replace(expo, ink_level=ink, contrast=max(0.0, expo.paper_level - ink))


def ink_mask(gray: np.ndarray, region: np.ndarray, contrast: float, hat: np.ndarray | None = None) -> np.ndarray:
    """Dark strokes thinner than the kernel (black-hat), inside the region (uint8, 0/1 or 0/255); bool array.

    `hat`: gray's `blackhat` when the caller already has it.
    """
    hat = blackhat(gray) if hat is None else hat
    thr = max(20.0, 0.25 * contrast * 255.0)
    # hat > thr as 0/1 (uint8 images compare against the floored threshold: the same for integer greys), kept
    # where region is set, and read as bool without a copy
    _, above = cv2.threshold(hat, thr, 1, cv2.THRESH_BINARY)
    return cv2.bitwise_and(above, region).view(bool)


CONTENT_WINDOW = 15  # grid pixels: the black-hat's window (~1-2 cm of paper)
SMEAR_LEVEL = 8.0  # grey levels below the local paper that count as a trace of content


def content_mask(small: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Where the paper (small grid) is darker than its local paper level by SMEAR_LEVEL, and that share of it.

    Content of any sharpness: a wide black-hat (15 px on the ~250-500 px grid, i.e. ~1-2 cm of paper) keeps print
    smeared by motion or defocus that the stroke-sized ink mask no longer sees, and removes uneven light; a blank
    sheet's fibre and sensor noise stay below the level. Returns (bool mask, share of the paper).
    """
    hat = cv2.morphologyEx(cv2.GaussianBlur(small, (3, 3), 0), cv2.MORPH_BLACKHAT, _window())
    inner = content_area(mask)
    found = (hat > SMEAR_LEVEL) & inner
    n = int(np.count_nonzero(inner))
    return found, float(np.count_nonzero(found)) / n if n else 0.0


def _window() -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (CONTENT_WINDOW, CONTENT_WINDOW))


def content_area(mask: np.ndarray) -> np.ndarray:
    """Where content_mask looks (bool): the paper `mask` (uint8 0/255) less half a CONTENT_WINDOW at its edge."""
    return cv2.erode(mask, _window()) > 0


PAPER_ASPECT_TOLERANCE = 0.2  # short/long ratio further than this share from the paper's: not that paper


HIDDEN_CORNER = 0.9  # a side shorter than this share of its opposite one lost a corner (shadow, finger, fold)


def _pair(s1: float, s2: float) -> float:
    """One side length for two opposite sides: their mean (a perspective shortens one a little), or the longer
    when one is much shorter (a corner of the paper hidden by a shadow or a finger pulls the outline in)."""
    return max(s1, s2) if min(s1, s2) < HIDDEN_CORNER * max(s1, s2) else (s1 + s2) / 2


def _outline_sides(quad: np.ndarray) -> tuple[float, float]:
    """(long, short) side of an outline (4x2 corners) in the quad's unit, each from two opposite sides (_pair)."""
    q = quad.astype(np.float64)
    sides = [float(np.linalg.norm(q[(i + 1) % 4] - q[i])) for i in range(4)]
    a, b = _pair(sides[0], sides[2]), _pair(sides[1], sides[3])
    return max(a, b), min(a, b)


def sheet_size_mm(quad: np.ndarray, px_per_unit: float, dpi: float) -> tuple[float, float]:
    """(short, long) side in millimetres of the sheet an outline (4x2 corners; `px_per_unit` original pixels per
    its unit) shows at a known resolution `dpi` (a fixed stand's): opposite sides as _pair takes them."""
    long_side, short_side = _outline_sides(quad)
    return short_side * px_per_unit / dpi * 25.4, long_side * px_per_unit / dpi * 25.4


def matches_paper(quad: np.ndarray, paper_mm: tuple[float, float], tolerance: float | None = None) -> bool:
    """Whether an outline (4x2 corners, any unit) has about the shape of the assumed paper: its short/long side
    ratio (opposite sides as _pair takes them) within PAPER_ASPECT_TOLERANCE of the paper's, so a perspective or
    a curl still matches while a till receipt (about 1:3) is not taken for an A4 sheet (1:1.41) and given an A4
    resolution. `tolerance` replaces PAPER_ASPECT_TOLERANCE."""
    long_side, short_side = _outline_sides(quad)
    if short_side <= 0:
        return False
    return same_shape((short_side, long_side), paper_mm, PAPER_ASPECT_TOLERANCE if tolerance is None else tolerance)


def same_shape(a: tuple[float, float], b: tuple[float, float], tolerance: float) -> bool:
    """Whether two rectangles (two positive sides each, any unit and order) have the same short / long side ratio
    within `tolerance` (a share of b's)."""
    return abs(min(a) / max(a) / (min(b) / max(b)) - 1.0) <= tolerance


def effective_dpi(quad: np.ndarray, px_per_unit: float, paper_mm: tuple[float, float]) -> float:
    """Resolution of the paper in the original image from its outline and the assumed paper size."""
    long_px, short_px = (v * px_per_unit for v in _outline_sides(quad))
    short_in, long_in = min(paper_mm) / 25.4, max(paper_mm) / 25.4
    return math.sqrt((long_px / long_in) * (short_px / short_in))
