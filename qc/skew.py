"""Skew in degrees, counter-clockwise positive: from the paper's edges, else from the text lines."""

from __future__ import annotations

import math

import cv2
import numpy as np

MAX_TEXT_SKEW = 30.0


def _fit_angle(pts: np.ndarray) -> tuple[float, float] | None:
    """Angle (deg, CCW, direction pointing right) and RMS residual of a robust line fit."""
    if len(pts) < 8:
        return None
    keep = np.ones(len(pts), bool)
    for _ in range(3):
        p = pts[keep]
        c = p.mean(axis=0)
        _, _, vt = np.linalg.svd(p - c, full_matrices=False)
        d = vt[0]
        res = (pts - c) @ np.array([-d[1], d[0]])
        mad = float(np.median(np.abs(res[keep]))) + 0.05
        keep = np.abs(res) < 3.0 * 1.4826 * mad
        if keep.sum() < 8:
            return None
    if d[0] < 0:
        d = -d
    rms = float(np.sqrt(np.mean(res[keep] ** 2)))
    return math.degrees(math.atan2(-d[1], d[0])), rms


def _side_points(
    gray: np.ndarray, a: np.ndarray, b: np.ndarray, centre: np.ndarray, reach: float, margin: float
) -> np.ndarray:
    """Sub-pixel edge points along the paper side a→b, searched ±reach along its normal."""
    h, w = gray.shape
    n_pts = 64
    t = np.linspace(0.1, 0.9, n_pts)
    base = a[None, :] + t[:, None] * (b - a)[None, :]
    d = ((b - a) / (np.linalg.norm(b - a) + 1e-9)).astype(np.float64)
    normal = np.array([-d[1], d[0]], dtype=np.float64)
    if np.dot(centre - (a + b) / 2, normal) < 0:
        normal = -normal  # point into the paper
    inside = (
        (base[:, 0] > margin) & (base[:, 0] < w - 1 - margin) & (base[:, 1] > margin) & (base[:, 1] < h - 1 - margin)
    )
    base = base[inside]
    if len(base) < 8:
        return np.empty((0, 2))
    offs = np.arange(-reach, reach + 0.5, 0.5, dtype=np.float32)
    mx = (base[:, 0:1] + normal[0] * offs[None, :]).astype(np.float32)
    my = (base[:, 1:2] + normal[1] * offs[None, :]).astype(np.float32)
    raw = cv2.remap(gray, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    prof = cv2.GaussianBlur(raw, (5, 1), 0)
    deriv = np.diff(prof, axis=1)  # paper is brighter: rising edge when walking inwards
    k = np.argmax(deriv, axis=1)
    peak = deriv[np.arange(len(k)), k]
    ok = (k > 0) & (k < deriv.shape[1] - 1) & (peak > 2.0)
    k, peak, base = k[ok], peak[ok], base[ok]
    if len(k) < 8:
        return np.empty((0, 2))
    lft = deriv[ok][np.arange(len(k)), k - 1]
    rgt = deriv[ok][np.arange(len(k)), k + 1]
    den = lft - 2 * peak + rgt
    sub = np.where(np.abs(den) > 1e-6, 0.5 * (lft - rgt) / np.where(den == 0, 1, den), 0.0)
    pos = offs[0] + (k + 0.5 + np.clip(sub, -0.5, 0.5)) * 0.5
    return base + pos[:, None] * normal[None, :]


def page_edge_skew(gray: np.ndarray, quad: np.ndarray, reach: float) -> float | None:
    """Skew from the paper's outline (quad in gray's pixels); None if no side is clean."""
    h, w = gray.shape
    centre = quad.mean(axis=0)
    margin = max(4.0, 0.01 * max(h, w))
    horiz: list[tuple[float, float]] = []
    vert: list[tuple[float, float]] = []
    for i in range(4):
        a, b = quad[i].astype(np.float64), quad[(i + 1) % 4].astype(np.float64)
        if np.linalg.norm(b - a) < 0.2 * max(h, w):
            continue
        pts = _side_points(gray, a, b, centre, reach, margin)
        fit = _fit_angle(pts)
        if fit is None or fit[1] > 1.5:
            continue
        ang, rms = fit
        if abs(ang) <= 45:
            horiz.append((ang, len(pts)))
        else:
            vert.append((ang - 90.0 if ang > 0 else ang + 90.0, len(pts)))
    use = horiz or vert
    if not use:
        return None
    return float(np.mean([a for a, _ in use]))


def _scores(x: np.ndarray, y: np.ndarray, angles: np.ndarray, bin_px: float) -> np.ndarray:
    """Projection-profile energy of points for each candidate angle (linear binning)."""
    t = np.radians(angles)[:, None]
    v = (x[None, :] * np.sin(t) + y[None, :] * np.cos(t)) / bin_px
    v -= v.min()
    i0 = np.floor(v).astype(np.int64)
    f = v - i0
    nb = int(i0.max()) + 2
    idx = (i0 + np.arange(len(angles))[:, None] * nb).ravel()
    size = len(angles) * nb
    hist = np.bincount(idx, weights=(1 - f).ravel(), minlength=size) + np.bincount(
        idx + 1, weights=f.ravel(), minlength=size
    )
    return (hist.reshape(len(angles), nb) ** 2).sum(axis=1)


def _search(x: np.ndarray, y: np.ndarray, centre: float, span: float, step: float, bin_px: float) -> float:
    angles = np.arange(centre - span, centre + span + step / 2, step)
    s = _scores(x, y, angles, bin_px)
    k = int(np.argmax(s))
    if 0 < k < len(angles) - 1:
        den = s[k - 1] - 2 * s[k] + s[k + 1]
        if den < 0:
            return float(angles[k] + 0.5 * (s[k - 1] - s[k + 1]) / den * step)
    return float(angles[k])


def text_skew(ink: np.ndarray, prior: float | None = None, max_points: int = 5000) -> float | None:
    """Skew of the text lines from the projection profile of ink pixels (coarse to fine)."""
    ys, xs = np.nonzero(ink)
    if len(xs) < 50:
        return None
    if len(xs) > max_points:
        step = int(math.ceil(len(xs) / max_points))
        ys, xs = ys[::step], xs[::step]
    x = xs.astype(np.float64) - xs.mean()
    y = ys.astype(np.float64) - ys.mean()
    if prior is None:
        sub = slice(None, None, max(1, len(x) // 1500))
        a = _search(x[sub], y[sub], 0.0, MAX_TEXT_SKEW, 1.0, 3.0)
        a = _search(x, y, a, 1.5, 0.25, 1.5)
    else:
        a = _search(x, y, prior, 1.0, 0.25, 1.5)
    return _search(x, y, a, 0.3, 0.05, 1.0)
