"""The worst-focused region of the text area: the largest connected patch of blurred cells of the sharpness map
(qc.sharpness), its blur and its box in original pixels (the report's blur_region, drawn by the station's screen
and the viewer)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from qc.sharpness import Cell, Sharpness, cell_blur
from qc.stats import median


@dataclass(frozen=True)
class Region:
    """The worst-focused region of the text area: its blur and box, and the blurred share of the text area."""

    blur_px: float  # original pixels
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in original pixels
    share: float  # the region's share of the scored text cells (0 when no cell is blurred beyond the limit)


def worst_region(sharp: Sharpness, scale: float, limit_px: float) -> Region | None:
    """The largest connected patch of cells blurred beyond limit_px (else the single worst cell).

    Cells are compared in original pixels (original_blur); a cell's neighbours are the 8 cells around it on
    the cell grid, and a region runs on through the cells of printed pictures (qc.pictures) without counting them.
    The region's blur is the median blur of its cells.
    """
    if not sharp.cells:
        return None
    blur = cell_blur(sharp.cells, scale)
    size = sharp.cells[0].size
    gy = np.array([c.y // size for c in sharp.cells])
    gx = np.array([c.x // size for c in sharp.cells])
    bad = blur > limit_px
    if not bad.any():
        k = int(np.argmax(blur))
        return Region(float(blur[k]), cells_box([k], sharp.cells, scale), 0.0)
    py, px = [c.y // size for c in sharp.pictures], [c.x // size for c in sharp.pictures]
    grid = np.zeros((int(max([gy.max(), *py])) + 1, int(max([gx.max(), *px])) + 1), np.uint8)
    grid[gy[bad], gx[bad]] = 1
    grid[py, px] = 1  # a blurred band runs on through a printed picture in it (its cells are not counted)
    n, labels = cv2.connectedComponents(grid, connectivity=8)
    lab = labels[gy, gx]
    best = max(range(1, n), key=lambda j: int(((lab == j) & bad).sum()))
    members = [int(i) for i in np.flatnonzero((lab == best) & bad)]
    share = len(members) / len(sharp.cells)
    return Region(median(blur[members]), cells_box(members, sharp.cells, scale), share)


def cells_box(members: list[int], cells: tuple[Cell, ...], scale: float) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1, original pixels) of the cells at indices `members`; scale: original px per px."""
    x0 = min(cells[i].x for i in members)
    y0 = min(cells[i].y for i in members)
    x1 = max(cells[i].x + cells[i].size for i in members)
    y1 = max(cells[i].y + cells[i].size for i in members)
    return (int(x0 * scale), int(y0 * scale), int(round(x1 * scale)), int(round(y1 * scale)))
