"""Focus score from the steepness of edges relative to their own height.

For each strong edge pixel the grey-level profile is sampled across the edge and followed to the nearest
extremum on each side; the score of that edge is its central slope over its height (2 x slope / height, so an
ideal one-pixel step scores 1). The score is a median over edges, so it depends neither on how much text the
page holds nor on the contrast. Edges are grouped by direction and the worst direction counts, so that motion
blur, which softens only the edges across the motion, is caught too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TILE = 64
MAX_TILES = 40
MIN_EDGE_HEIGHT = 30.0
MIN_EDGES_PER_DIRECTION = 30
_OFFS = np.arange(-6.0, 6.01, 0.5, dtype=np.float32)
_C = len(_OFFS) // 2


# Edge score -> Gaussian sigma (working pixels), measured on strokes 3-8 px wide with 2 grey levels of noise.
_CURVE_SCORE = np.array([0.956, 0.832, 0.741, 0.664, 0.601, 0.551, 0.514, 0.465, 0.429, 0.389])
_CURVE_SIGMA = np.array([0.50, 0.67, 0.85, 1.04, 1.24, 1.43, 1.63, 2.02, 2.52, 3.01])


def sigma_of_score(score: float) -> float:
    """Equivalent Gaussian blur (working pixels) of an edge score; saturates at 0.5 and 3 px."""
    return float(np.interp(-score, -_CURVE_SCORE, _CURVE_SIGMA))


@dataclass(frozen=True)
class Sharpness:
    """Focus scores in [0, 1]: overall median, and the worst of four edge directions."""

    overall: float
    worst_direction: float
    edges: int


def select_tiles(ink: np.ndarray, factor: float, shape: tuple[int, int]) -> list[tuple[int, int]]:
    """Top-left corners (working pixels) of the TILE-sized tiles holding the most ink."""
    h, w = shape
    step = max(1, int(round(TILE / factor)))
    th, tw = ink.shape[0] // step, ink.shape[1] // step
    if th == 0 or tw == 0:
        return []
    dens = ink[: th * step, : tw * step].reshape(th, step, tw, step).mean(axis=(1, 3)).ravel()
    order = np.argsort(dens)[::-1][:MAX_TILES]
    out = []
    for i in order:
        if dens[i] < 0.01:
            break
        y, x = int((i // tw) * step * factor), int((i % tw) * step * factor)
        if y + TILE <= h and x + TILE <= w:
            out.append((y, x))
    return out


def measure(gray: np.ndarray, tiles: list[tuple[int, int]]) -> Sharpness | None:
    """Score the edges inside the given tiles of the working image; None when there are too few."""
    if not tiles:
        return None
    stack = np.vstack([gray[y : y + TILE, x : x + TILE] for y, x in tiles]).astype(np.float32)
    gx = cv2.Sobel(stack, cv2.CV_32F, 1, 0, ksize=3) * 0.125
    gy = cv2.Sobel(stack, cv2.CV_32F, 0, 1, ksize=3) * 0.125
    mag = cv2.magnitude(gx, gy)
    peak = mag >= cv2.dilate(mag, np.ones((3, 3), np.uint8))
    rows = np.arange(stack.shape[0]) % TILE
    inner = (rows >= 7) & (rows < TILE - 7)
    cols = np.zeros(TILE, bool)
    cols[7 : TILE - 7] = True
    sel = peak & (mag >= MIN_EDGE_HEIGHT / 6) & inner[:, None] & cols[None, :]
    ys, xs = np.nonzero(sel)
    if len(ys) > 30000:
        ys, xs = ys[:: len(ys) // 30000 + 1], xs[:: len(xs) // 30000 + 1]
    if len(ys) < MIN_EDGES_PER_DIRECTION:
        return None
    m = mag[ys, xs]
    nx, ny = gx[ys, xs] / m, gy[ys, xs] / m
    mx = (xs[:, None] + nx[:, None] * _OFFS[None, :]).astype(np.float32)
    my = (ys[:, None] + ny[:, None] * _OFFS[None, :]).astype(np.float32)
    prof = cv2.remap(stack, mx, my, cv2.INTER_LINEAR)
    d = np.diff(prof, axis=1)
    n_half = d.shape[1] - _C
    up = d[:, _C:] <= 0.5
    jp = np.where(up.any(axis=1), up.argmax(axis=1), n_half)
    dn = d[:, :_C][:, ::-1] <= 0.5
    jn = np.where(dn.any(axis=1), dn.argmax(axis=1), _C)
    idx = np.arange(len(prof))
    height = prof[idx, np.minimum(_C + jp, prof.shape[1] - 1)] - prof[idx, np.maximum(_C - jn, 0)]
    slope = (prof[:, _C + 2] - prof[:, _C - 2]) * 0.5
    ok = (height >= MIN_EDGE_HEIGHT) & (jp < n_half) & (jn < _C)
    if ok.sum() < MIN_EDGES_PER_DIRECTION:
        return None
    score = np.clip(2.0 * slope[ok] / height[ok], 0.0, 1.0)
    direction = ((np.degrees(np.arctan2(ny[ok], nx[ok])) % 180.0 + 22.5) // 45.0).astype(int) % 4
    per_dir = [
        float(np.median(score[direction == k]))
        for k in range(4)
        if int((direction == k).sum()) >= MIN_EDGES_PER_DIRECTION
    ]
    overall = float(np.median(score))
    return Sharpness(overall=overall, worst_direction=min(per_dir) if per_dir else overall, edges=int(ok.sum()))
