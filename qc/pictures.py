"""Printed pictures in the sharpness map: a blurred patch of toned print bordered by sharp print is no defocus.

An ultrasound or a halftone photograph printed in a report is soft by nature: its cells read as blurred while the
report's text around it is sharp. Defocus blurs by depth, and depth changes smoothly across the sheet: a tilted
page is blurred towards a side or two, a sheet bulging in the middle (a fold not pressed flat) along a band, and
motion moves the whole frame. Either way the print right next to a blurred picture is blurred too, on at least
one side. So a patch of blurred cells that is toned like a picture, whose nearest scored cells on both sides (above
and below, or left and right) are sharp along most of its extent, is what is printed there, not how it was
photographed. Toned: at least MIN_TONED_SHARE of the cell is darker than MIN_TONE against the paper, averaged over
a quarter of a cell (a picture's edge cell, half picture and half paper, is toned; text, blurred or not, keeps its
mean darkness, 0.05-0.3 of the paper, and is not). A toned area whose sharp cells show print on a flat tint (a
grey photocopy pasted on the page, a form's shaded column) is no picture: its blurred cells are defocus (a bulge
across it); nor is one whose tint reaches the paper's edges on both sides (a band darkened across the whole page,
a bulge under it). Such a patch's cells leave the map (Sharpness.pictures); a blurred region runs on through them
without counting them (regions.worst_region), so a band blurred across a picture is still one band. The page
figure is not changed.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from qc import sharpness as sh

ENCLOSED_SHARE = 0.6  # of the patch's columns (or rows) whose nearest scored cells on both sides are sharp
MIN_TONE = 0.35  # darkness against the paper of the sharp cells, averaged over a quarter of a cell
MIN_TONED_SHARE = 0.25  # of a cell's area that toned for the cell to be a picture's
FLAT_GREYS = 8  # grey levels about a cell's background (its 80th percentile) that count as flat
TINT_FLAT = 0.65  # a sharp toned cell this flat or more is print on a tint (a grey photocopy, a shaded column)
MIN_TINT_CELLS = 3  # and a toned area with this many such cells, half its sharp ones or more, is print on a tint


def leave_out(
    work: np.ndarray,
    sharp: sh.Sharpness,
    scale: float,
    limit_px: float,
    paper: tuple[np.ndarray, int] | None = None,
) -> sh.Sharpness:
    """The map with the cells of printed pictures moved to Sharpness.pictures.

    work: the working grey image (uint8) the map was measured on; scale: original pixels per working pixel;
    limit_px: a cell's blur limit in original pixels (as regions.worst_region); paper: the paper's mask (nonzero
    on the paper) on a grid that many times smaller than work's, None for all paper. The toned cells, sharp or not,
    form areas (8-connected on the cell grid); an area's cells over the limit (its patch) leave when, along
    ENCLOSED_SHARE of the patch's columns or of its rows, the nearest scored cell on each side of it is within the
    limit, unless the area's sharp cells show print on a tint (module docstring). A map without a blurred cell is
    returned as it is.
    """
    cells = sharp.cells
    if len(cells) < 3:
        return sharp
    bad = sh.cell_blur(cells, scale) > limit_px
    if not bad.any() or bad.all():
        return sharp
    sharp_cells = [c for c, b in zip(cells, bad, strict=True) if not b]
    sample = np.concatenate([work[c.y : c.y + c.size : 4, c.x : c.x + c.size : 4].ravel() for c in sharp_cells])
    paper_grey = float(np.percentile(sample, 90))
    dark, tint = (1.0 - MIN_TONE) * paper_grey, (1.0 - EDGE_TINT) * paper_grey
    local = cv2.blur(work, (cells[0].size // 4 | 1,) * 2)
    toned = np.array(
        [bool(np.mean(local[c.y : c.y + c.size, c.x : c.x + c.size] <= dark) >= MIN_TONED_SHARE) for c in cells]
    )
    if not (toned & bad).any():
        return sharp
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
        patch = members[bad[members]]
        if len(patch) and not _print_on_tint(work, [cells[i] for i in members[~bad[members]]]):
            area = [cells[i] for i in members]
            drop[patch] = _bordered(patch, gy, gx, bad) and not _across(local, tint, area, paper)
    if not drop.any():
        return sharp
    kept = tuple(c for c, d in zip(cells, drop, strict=True) if not d)
    return replace(sharp, cells=kept, pictures=tuple(c for c, d in zip(cells, drop, strict=True) if d))


def restore_masked(
    second: sh.Sharpness | None, first: sh.Sharpness | None, scale: float, limit_px: float
) -> sh.Sharpness | None:
    """The second reading's map (qc.focus.focus: without light edges and ruled lines) with the cells it could
    not read given their first reading back: the sharp ones, and the ones blurred beyond `limit_px` (original px,
    as leave_out) unless sharp print holds them on both sides.

    The masks of the second reading assume sparse, thin print: a shadow's soft edge or a ruled line among words.
    Dense print blurred past reading (a 长期医嘱单 of 1.6 mm print on every ruled line, ninth break-it tester)
    merges into toned bands that both masks take whole - the closing of qc.light dims over the block, the rows
    read as ruled lines - so its cells fell silent and the few left (the rules) cleared the page at sigma 3 px,
    blurred whole or over its right 40 %. A reading speaks only for the cells it read. A cell the first reading
    found sharp is sharp (lines and changes of light only ever make print read more blurred); a blurred one, if its
    blur is measured (under SATURATED of the curve's end: a shadow's soft edge, which the light mask is for, reads
    at the end, 5.9-6.0 px at scale 2, blurred print at sigma 2-3 px 1.4-3.5: `bench/qc/sweeps.py shadows`), is
    blurred again unless, along ENCLOSED_SHARE of their columns or rows, the nearest read cell on each side of the
    blurred cells taken is sharp (as _bordered: a halftone picture or a shadow's edge between sharp print; a page
    blurred whole or towards a side runs to the text area's edge). The blurred cells taken are judged as one
    patch. qc.focus.focus restores after the second reading's re-scoring of silent cells
    (regions.rescore_silent): a masked cell beside a restored one is silent for the mask, not for blur (graph
    paper's grid-only cells spread a sharp marker photo's three marginal cells over half its text area). The page
    figures stay the second reading's; `second` is returned as it is when nothing was taken.
    """
    if first is None or not first.cells:
        return second
    if second is None:  # the masks took every edge: nothing was read
        second = replace(first, cells=(), silent=tuple(sorted({*first.silent, *((c.y, c.x) for c in first.cells)})))
    read = {(c.y, c.x) for c in second.cells}
    soft = SATURATED * sh.original_blur(sh.MAX_SIGMA, scale)  # a light change's edge, softer than any print's
    blur = sh.cell_blur(first.cells, scale)
    taken = [(c, b > limit_px) for c, b in zip(first.cells, blur, strict=True) if (c.y, c.x) not in read and b < soft]
    if not taken:
        return second
    cells = second.cells + tuple(c for c, b in taken if not b) + tuple(c for c, b in taken if b)
    blurred = np.arange(len(cells) - sum(b for _, b in taken), len(cells))
    size = cells[0].size
    gy, gx = np.array([c.y // size for c in cells]), np.array([c.x // size for c in cells])
    if len(blurred) and _bordered(blurred, gy, gx, sh.cell_blur(cells, scale) > limit_px):
        cells = cells[: blurred[0]]
    back = {(c.y, c.x) for c in cells}
    return replace(second, cells=cells, silent=tuple(k for k in second.silent if k not in back))


SATURATED = 0.9  # of the sharpness curve's last sigma (qc.sharpness.MAX_SIGMA): a cell read this blurred or more
# is dominated by an edge softer than print's, a change of light's (restore_masked)
EDGE_TINT = 0.2  # a band's tint at the paper's edges: this much darker than the paper's grey (_across)
EDGE_TONED = 0.5  # share of a toned area's rows (or columns) whose paper is toned at both its edges: a band


def _across(local: np.ndarray, tint: float, area: list[sh.Cell], paper: tuple[np.ndarray, int] | None) -> bool:
    """Whether the tone of an area reaches the paper's edges on both sides along its rows (or its columns): in
    EDGE_TONED of them, the paper just inside its left and right (top and bottom) edges is tinted too (EDGE_TINT
    darker than the paper: a band at two thirds of the light is lighter there than a picture's tone bar, though
    its blurred print inside is toned). A band darkened across the whole page (the shadow of the camera's arm, a
    tinted band of a form) does; a picture printed in a report has a margin of paper beside it. `local`:
    leave_out's quarter-cell box means; `tint`: the paper's grey shaded by EDGE_TINT; `paper`: as leave_out's
    (None: the image's edges are the paper's)."""
    size = area[0].size
    h, w = local.shape
    mask, f = paper if paper is not None else (np.ones((1, 1), np.uint8), max(h, w))
    inset = max(1, size // 8)  # the box mean must not reach past the paper's edge
    for along, lo, hi in (
        (0, min(c.y for c in area), max(c.y for c in area) + size),
        (1, min(c.x for c in area), max(c.x for c in area) + size),
    ):
        lines = np.arange(lo, min(hi, (h, w)[along]), 4)
        rows = (mask if along == 0 else mask.T)[np.minimum(lines // f, mask.shape[along] - 1)] > 0
        has = rows.any(axis=1)
        if not has.any():
            continue
        n = rows.shape[1]
        first = np.argmax(rows[has], axis=1) * f + inset
        last = (n - 1 - np.argmax(rows[has, ::-1], axis=1)) * f + f - 1 - inset
        edge = (h, w)[1 - along] - 1
        first, last = np.clip(first, 0, edge), np.clip(last, 0, edge)
        img = local if along == 0 else local.T
        at = lines[has]
        if min(np.mean(img[at, first] <= tint), np.mean(img[at, last] <= tint)) >= EDGE_TONED:
            return True
    return False


def _print_on_tint(work: np.ndarray, sharp_cells: list[sh.Cell]) -> bool:
    """Whether the sharp cells of a toned area show print on a flat tint: MIN_TINT_CELLS of them or more, and at least
    half, have TINT_FLAT of their pixels within FLAT_GREYS of their background. A grey photocopy pasted on a page
    or a form's shaded column is read sharp where it is in focus, and its blurred cells are defocus (the sixth
    break-it tester's bulges across them: sharp cells 0.67-0.98 flat); a picture's sharp cells are its crisp
    edges and overlays (0.2-0.7, bench pictures)."""
    flat = [
        float(np.mean(np.abs(px.astype(np.int16) - np.percentile(px, 80)) <= FLAT_GREYS)) >= TINT_FLAT
        for px in (work[c.y : c.y + c.size, c.x : c.x + c.size] for c in sharp_cells)
    ]
    return sum(flat) >= max(MIN_TINT_CELLS, len(flat) / 2)


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
