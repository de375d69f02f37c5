"""The paper's four corners to sub-pixel precision, for cropping the delivered page (qc.processing).

The coarse quadrilateral of qc.page.find_page (a ~250 px grid) is refined on the working image: each side is
followed across its edge by the same sub-pixel profiles that measure the skew (qc.skew.trace_sides), a robust
straight line is fitted to each side, and the corners are the intersections of neighbouring lines. The outline is
*certain* only when all four sides were followed over their whole length with a tight fit and no side runs along
the frame's border; otherwise the caller keeps the full frame (a cut through text is worse than a mat border).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qc.skew import SIDE_SAMPLES, WHOLE_SIDE, Side, trace_sides

MAX_SIDE_RMS = 1.5  # working pixels: a side that wanders more than this is bent, torn or hidden
FRAME_MARGIN = 0.004  # a corner closer than this share of the frame to its border may lie outside it


@dataclass(frozen=True)
class Outline:
    """The paper's corners (tl, tr, br, bl) in the pixels of the image measured, and whether they are trusted."""

    corners: np.ndarray  # 4x2 float64
    certain: bool
    sides_clean: int  # sides followed over their whole length with a tight line fit (0-4)


def _intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    (p, d), (q, e) = a, b
    m = np.array([[d[0], -e[0]], [d[1], -e[1]]])
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    t = np.linalg.solve(m, q - p)
    return p + t[0] * d


def refine(gray: np.ndarray, quad: np.ndarray, reach: float, sides: list[Side] | None = None) -> Outline:
    """Refine a coarse quad (4x2, tl tr br bl, in `gray`'s pixels) to sub-pixel corners.

    gray: the working grey image (uint8); reach: how far (pixels) across each side the edge is searched; sides:
    the quad's qc.skew.trace_sides when the caller already has them. Sides that cannot be fitted keep the coarse
    quad's line; the outline is then not certain.
    """
    h, w = gray.shape
    sides = trace_sides(gray, quad, reach) if sides is None else sides
    quad = quad.astype(np.float64)
    lines: list[tuple[np.ndarray, np.ndarray]] = []
    clean = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        pts, fit = sides[i]
        if fit is not None and fit[2] <= MAX_SIDE_RMS:
            lines.append((fit[0], fit[1]))
            clean += len(pts) >= WHOLE_SIDE * SIDE_SAMPLES
        else:
            lines.append((a, (b - a) / (np.linalg.norm(b - a) + 1e-9)))
    corners = quad.copy()
    for i in range(4):  # corner i lies between side i-1 (ending at it) and side i (starting at it)
        p = _intersect(lines[i - 1], lines[i])
        if p is not None and np.linalg.norm(p - quad[i]) < 2 * reach:
            corners[i] = p
    inside = all(
        FRAME_MARGIN * w <= x <= (1 - FRAME_MARGIN) * w and FRAME_MARGIN * h <= y <= (1 - FRAME_MARGIN) * h
        for x, y in corners
    )
    return Outline(corners=corners, certain=clean == 4 and inside, sides_clean=clean)
