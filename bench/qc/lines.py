"""How the edge score reads a known blur on thin lines, text-wide strokes and wide bars (qc.sharpness.measure).

    PYTHONPATH=. .venv/bin/python bench/qc/lines.py

Vertical lines 0.5, 1.5 and 8 working px wide (drawn at 4 x and area-reduced), blurred by a Gaussian of known sigma
(working px), 2 grey levels of noise; prints the measured score and the sigma it converts to. A thin line's edge
profile is the blur itself, its slope over its height grows as 1.21 / sigma against a step's 0.80 / sigma, so a
grid line (ECG, graph paper, the temperature chart) or a table rule blurred by sigma 1 reads as 0.6 (issue 14: the
crossings of sharp grids read as blurred, blurred thin lines as sharp; on a whole page the two partly cancel).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from qc import sharpness as sh  # noqa: E402

SIGMAS = (0.5, 0.75, 1.0, 1.5, 2.0)


def measured(width_px: float, sigma: float, rng: np.random.Generator) -> float:
    """Overall edge score of 256 x 256 px of vertical lines `width_px` wide, 16 px apart, blurred by `sigma`."""
    big = np.full((1024, 1024), 235, np.float32)
    w = max(1, int(round(width_px * 4)))
    for x in range(40, 1000, 64):
        big[:, x : x + w] = 60
    img = cv2.GaussianBlur(cv2.resize(big, (256, 256), interpolation=cv2.INTER_AREA), (0, 0), sigma)
    grey = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
    got = sh.measure(grey, [(y, x) for y in range(0, 192, 64) for x in range(0, 192, 64)])
    return float("nan") if got is None else got.overall


def main() -> None:
    rng = np.random.default_rng(0)
    print("true sigma (working px):      " + "  ".join(f"{s:>12.2f}" for s in SIGMAS))
    for name, width in (("thin line 0.5 px", 0.5), ("stroke 1.5 px", 1.5), ("bar 8 px (step)", 8.0)):
        cells = [measured(width, s, rng) for s in SIGMAS]
        print(f"{name:<18} score/sigma " + "  ".join(f"{v:.3f} -> {sh.sigma_of_score(v):.2f}" for v in cells))


if __name__ == "__main__":
    main()
