"""Printed pictures in the sharpness map: a blurred island of toned print between sharp text is no defocus.

An ultrasound or a halftone photograph printed in a report is soft by nature: its cells read as blurred while the
report's text around it is sharp. Defocus cannot draw such an island. The blur of a flat page grows with its
distance from the plane of focus, which is linear across the page, so along any line over the page the blur is
a V (or one of its halves): highest at the ends, never higher in the middle than at both ends; a bent sheet only
softens the V. Motion moves the whole frame. So a blurred region with sharp text on both sides of it, above and
below it (or left and right) over most of its extent, is what is printed there, not how it was photographed —
when it is also toned like a picture (its mean darkness against the paper of the sharp text around it is at least
MIN_TONE: text, blurred or not, keeps its mean darkness, 0.05-0.3 of the paper; a picture's tone is 0.35 or
more). Such a region's cells leave the map; every other blurred region counts as before. A page found blurred
as a whole (its page figure) is not changed by this.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from qc import sharpness as sh

ENCLOSED_SHARE = 0.6  # of the region's columns (or rows) with sharp text cells on both sides of it
MIN_TONE = 0.35  # the region's mean darkness against the paper of the sharp cells around it


def leave_out(work: np.ndarray, sharp: sh.Sharpness, scale: float, limit_px: float) -> tuple[sh.Sharpness, int]:
    """The map without the cells of printed pictures, and how many cells left it.

    work: the working grey image (uint8) the map was measured on; scale: original pixels per working pixel;
    limit_px: a cell's blur limit in original pixels (as sharpness.worst_region). A blurred region (8-connected
    cells over the limit) leaves when sharp cells (within the limit) enclose it on both sides along ENCLOSED_SHARE
    of its columns or of its rows and its mean darkness is MIN_TONE or more (module docstring).
    """
    cells = sharp.cells
    if len(cells) < 3:
        return sharp, 0
    blur = sh.cell_blur(cells, scale)
    bad = blur > limit_px
    if not bad.any() or bad.all():
        return sharp, 0
    means = np.array([float(work[c.y : c.y + c.size, c.x : c.x + c.size].mean()) for c in cells])
    paper = float(
        np.percentile(np.concatenate([_pixels(work, c) for c, b in zip(cells, bad, strict=True) if not b]), 90)
    )
    toned = bad & (means <= (1.0 - MIN_TONE) * paper)
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
        if _enclosed(members, gy, gx, ~bad):
            drop[members] = True
    if not drop.any():
        return sharp, 0
    return replace(sharp, cells=tuple(c for c, d in zip(cells, drop, strict=True) if not d)), int(drop.sum())


def _pixels(work: np.ndarray, c: sh.Cell) -> np.ndarray:
    """A cell's pixels, every 4th of every 4th row (enough for a percentile)."""
    return work[c.y : c.y + c.size : 4, c.x : c.x + c.size : 4].ravel()


def _enclosed(members: np.ndarray, gy: np.ndarray, gx: np.ndarray, ok: np.ndarray) -> bool:
    """Whether sharp cells (`ok`) enclose a region on both sides over ENCLOSED_SHARE of its columns (above and
    below) or of its rows (left and right)."""
    for along, across in ((gx, gy), (gy, gx)):
        lines = np.unique(along[members])
        held = 0
        for v in lines:
            inside = across[members[along[members] == v]]
            line = across[ok & (along == v)]
            held += bool((line < inside.min()).any() and (line > inside.max()).any())
        if held >= ENCLOSED_SHARE * len(lines):
            return True
    return False
