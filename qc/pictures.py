"""Printed pictures in the sharpness map: a blurred patch of toned print bordered by sharp print is no defocus.

An ultrasound or a halftone photograph printed in a report is soft by nature: its cells read as blurred while the
report's text around it is sharp. Defocus blurs by depth, and depth changes smoothly across the sheet: a tilted
page is blurred towards a side or two, a sheet bulging in the middle (a fold not pressed flat) along a band, and
motion moves the whole frame. Either way the print right next to a blurred picture is blurred too, on at least
one side. So a patch of blurred cells that is toned like a picture, whose nearest scored cells on both sides (above
and below, or left and right) are sharp along most of its extent, is what is printed there, not how it was
photographed. Toned: at least MIN_TONED_SHARE of the cell is darker than MIN_TONE against the paper, averaged over
a quarter of a cell (a picture's edge cell, half picture and half paper, is toned; text, blurred or not, keeps its
mean darkness, 0.05-0.3 of the paper, and is not). Such a patch's cells leave the map (Sharpness.pictures); a
blurred region runs on through them without counting them (sharpness.worst_region), so a band blurred across a
picture is still one band. The page figure is not changed.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from qc import sharpness as sh

ENCLOSED_SHARE = 0.6  # of the patch's columns (or rows) whose nearest scored cells on both sides are sharp
MIN_TONE = 0.35  # darkness against the paper of the sharp cells, averaged over a quarter of a cell
MIN_TONED_SHARE = 0.25  # of a cell's area that toned for the cell to be a picture's


def leave_out(work: np.ndarray, sharp: sh.Sharpness, scale: float, limit_px: float) -> tuple[sh.Sharpness, int]:
    """The map with the cells of printed pictures moved to Sharpness.pictures, and how many moved.

    work: the working grey image (uint8) the map was measured on; scale: original pixels per working pixel;
    limit_px: a cell's blur limit in original pixels (as sharpness.worst_region). A patch (8-connected toned cells
    over the limit) leaves when, along ENCLOSED_SHARE of its columns or of its rows, the nearest scored cell on
    each side of it is within the limit (module docstring). A map without a blurred cell is returned as it is.
    """
    cells = sharp.cells
    if len(cells) < 3:
        return sharp, 0
    bad = sh.cell_blur(cells, scale) > limit_px
    if not bad.any() or bad.all():
        return sharp, 0
    sharp_cells = [c for c, b in zip(cells, bad, strict=True) if not b]
    sample = np.concatenate([work[c.y : c.y + c.size : 4, c.x : c.x + c.size : 4].ravel() for c in sharp_cells])
    dark = (1.0 - MIN_TONE) * float(np.percentile(sample, 90))
    local = cv2.blur(work, (cells[0].size // 4 | 1,) * 2)
    toned = bad & np.array(
        [bool(np.mean(local[c.y : c.y + c.size, c.x : c.x + c.size] <= dark) >= MIN_TONED_SHARE) for c in cells]
    )
    if not toned.any():
        return sharp, 0
    size = cells[0].size
    gy = np.array([c.y // size for c in cells])
    gx = np.array([c.x // size for c in cells])
    grid = np.zeros((int(gy.max()) + 1, int(gx.max()) + 1), np.uint8)
    grid[gy[toned], gx[toned]] = 1
    n, labels = cv2.connectedComponents(grid, connectivity=8)
    lab = np.where(toned, labels[gy, gx], 0)
    drop = np.zeros(len(cells), bool)
    for j in range(1, n):
        members = np.flatnonzero(lab == j)
        drop[members] = _bordered(members, gy, gx, bad)
    if not drop.any():
        return sharp, 0
    kept = tuple(c for c, d in zip(cells, drop, strict=True) if not d)
    return replace(sharp, cells=kept, pictures=tuple(c for c, d in zip(cells, drop, strict=True) if d)), int(drop.sum())


def _bordered(members: np.ndarray, gy: np.ndarray, gx: np.ndarray, bad: np.ndarray) -> bool:
    """Whether, along ENCLOSED_SHARE of the patch's columns (or rows), the nearest scored cell above and below it
    (left and right of it) is a sharp one."""
    others = np.ones(len(bad), bool)
    others[members] = False
    for along, across in ((gx, gy), (gy, gx)):
        lines = np.unique(along[members])
        held = 0
        for v in lines:
            inside = across[members[along[members] == v]]
            line = np.flatnonzero(others & (along == v))
            before, after = line[across[line] < inside.min()], line[across[line] > inside.max()]
            held += bool(
                len(before)
                and len(after)
                and not bad[before[np.argmax(across[before])]]
                and not bad[after[np.argmin(across[after])]]
            )
        if held >= ENCLOSED_SHARE * len(lines):
            return True
    return False
