"""Motion smears longer than the focus score's edge profiles reach.

qc.sharpness follows each edge's profile ±REACH working pixels. A smear much longer than that (the camera moved
through 60-200 px of a 12 MP frame) leaves no edge across the motion to follow, its ramps being too gentle to be
edges at all, and the page was scored by the edges along the motion alone, which stay sharp: a receipt smeared
120 px along its lines passed as sharp. Such a page has nearly all its scored edges in one direction. It is scored
again on copies reduced 4 and 8 times, where the smear's ramps are short enough to follow; sharp print keeps
sharp edges in every direction there (a ruled page whose few edges across its lines are sharp line ends is not
called smeared).
"""

from __future__ import annotations

import cv2
import numpy as np

from qc import sharpness as sh

IMBALANCE = 0.2  # a direction holds less than this share of the edges of the direction across it (0 and 90 degrees,
# 45 and 135): a smear takes the edges across the motion and leaves those along it. Print has fewer diagonal edges
# than upright ones, so directions are compared with the one across them only (sharp bench pages and real samples
# >= 0.48 but one scan of a form, 0.17; smears of 40 px or more < 0.2, of 60 px or more <= 0.1)
FACTORS = (4, 8)  # reductions of the working image tried in turn
MAX_SMEARED_SCORE = 0.6  # a reduced copy's worst-direction median edge score below this is a smear (sharp print
# scores >= 0.8 at both reductions; smears of 40 px or more <= 0.55 at one of them)


def smeared_blur(
    work: np.ndarray, text_area: np.ndarray, factor: float, fine: sh.Sharpness | None, scale: float
) -> float | None:
    """Blur (equivalent Gaussian sigma, original pixels) of a smear too long for the fine focus score, else None.

    `work` is the working grey image (uint8), `text_area` the text-area mask at 1/factor of its size (as
    qc.sharpness.select_cells takes it), `fine` the fine pass's result on `work` (None when it found too few
    edges), `scale` the original pixels per working pixel. Pages whose fine pass saw edges in every direction
    are not looked at again (the usual page pays nothing).
    """
    if fine is not None and not _lopsided(fine.directions):
        return None
    worst = None
    for f in FACTORS:
        h, w = work.shape[0] // f, work.shape[1] // f
        if min(h, w) < 2 * sh.MIN_CELL:
            break
        coarse = cv2.resize(work, (w, h), interpolation=cv2.INTER_AREA)
        got = sh.measure(coarse, sh.select_cells(text_area, factor / f, coarse.shape))
        if got is None or max(got.directions) < sh.MIN_EDGES_PER_DIRECTION:
            continue  # too few edges at this reduction to say
        if got.worst_direction < MAX_SMEARED_SCORE:
            blur = sh.original_blur(sh.sigma_of_score(got.worst_direction), scale * f)
            worst = blur if worst is None else max(worst, blur)
    return worst


def _lopsided(directions: tuple[int, ...]) -> bool:
    """Whether a direction holds under IMBALANCE of the edges of the direction across it (counts per 45 degrees)."""
    a, b, c, d = directions
    return min(a, c) < IMBALANCE * max(a, c) or min(b, d) < IMBALANCE * max(b, d)
