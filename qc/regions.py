"""The worst-focused region of the text area: the largest connected patch of blurred cells of the sharpness map
(qc.sharpness), its blur and its box in original pixels (the report's blur_region, drawn by the station's screen
and the viewer)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from qc import sharpness as sh
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


def rescore_silent(
    gray: np.ndarray,
    sharp: Sharpness,
    scale: float,
    limit_px: float,
    skip: np.ndarray | None = None,
    straight: bool = True,
) -> Sharpness:
    """The map with the silent cells that border a blurred region scored over their whole area.

    A cell of the text area is scored on its central patch; a cell whose patch holds too few edges is silent.
    Sharp print leaves a cell silent when its centre falls between lines; print blurred past reading leaves it
    silent because its strokes have merged into edges too low to follow — so the more a region is blurred, the
    fewer of its cells were scored and the smaller it looked (a region that failed at sigma 3 passed at 6). A
    silent cell next to a cell blurred beyond `limit_px` (original pixels, as qc.regions.worst_region) is scored again
    on its four quadrants and joins the map: with its own score where they hold enough edges, else as blurred as the
    curve can tell (its print, ink or smeared content, was seen but has merged past any edge to follow). A cell
    silent for `skip` alone (the second reading's masks of light edges and ruled lines, qc.focus) is read without
    it: a form's rule or the sheet's outline beside a blurred patch is all it holds, and read as blurred it chained
    the patch on down the column (the session-27 tester: a form defocused over its bottom third was boxed whole,
    67 % of its text). The cells it borders are tried in turn. A sharp page has no blurred cell and pays nothing; the
    page's own figures are left as they were.
    """
    if not sharp.cells or not sharp.silent:
        return sharp
    size = sharp.cells[0].size
    patch = min(sh.PATCH, size // 2)
    inset = (size // 2 - patch) // 2
    cells, silent = list(sharp.cells), set(sharp.silent)
    while silent:
        blur = cell_blur(cells, scale)
        bad = {(c.y // size, c.x // size) for c, b in zip(cells, blur, strict=True) if b > limit_px}
        near = sorted(
            (y, x)
            for y, x in silent
            if any((y // size + dy, x // size + dx) in bad for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        )
        if not near:
            break
        silent -= set(near)
        quads = [(y + qy + inset, x + qx + inset) for y, x in near for qy in (0, size // 2) for qx in (0, size // 2)]
        per_cell = _quad_scores(gray, quads, patch, skip, straight)
        unread = np.flatnonzero(per_cell[:, 1] < sh.MIN_EDGES_PER_CELL)
        if skip is not None and len(unread):  # silent for the masks alone
            again = _quad_scores(gray, [quads[4 * k + q] for k in unread for q in range(4)], patch, None, straight)
            per_cell[unread] = again
        for k, (y, x) in enumerate(near):
            followed = per_cell[k, 1] >= sh.MIN_EDGES_PER_CELL
            score = float(per_cell[k, 0]) if followed else float(sh._CURVE_SCORE[-1])
            cells.append(Cell(y=y, x=x, size=size, score=score, edges=int(per_cell[k, 1])))
    return replace(sharp, cells=tuple(cells), silent=tuple(sorted(silent)))


def _quad_scores(
    gray: np.ndarray, quads: list[tuple[int, int]], patch: int, skip: np.ndarray | None, straight: bool
) -> np.ndarray:
    """_cell_scores of cells each read on its four quadrants (`quads`: four top-left corners per cell, in turn):
    (cells, 2) of worst-direction score and edge count; zeros where no edge could be followed."""
    got = sh._patch_scores(gray, quads, patch, skip, straight)
    if got is None:
        return np.zeros((len(quads) // 4, 2))
    score, direction, quad = got
    return sh._cell_scores(score, direction, quad // 4, len(quads) // 4)
