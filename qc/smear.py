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
SHARP_ELSEWHERE = 0.8  # a direction this sharp at the other reduction is no smear (a smear of 40 px: 0.41 at 1/4,
# 0.76 at 1/8; a hand shadow's soft edge over a blank ruled form: 0.13 at 1/4, its rules' sharp ends 1.0 at 1/8)
MIN_SHARE = 0.05  # and holds at least this share of the copy's scored edges (a smear's soft direction: 9-70 %; the
# curved tip of a hand shadow over a blank ruled form: 2 %)
MAX_SMEARED_SCORE = 0.6  # a direction's median edge score on a reduced copy below this is a smear (sharp print
# scores >= 0.8 at both reductions; smears of 40 px or more <= 0.55 at one of them)


def smeared_blur(
    work: np.ndarray,
    text_area: np.ndarray,
    factor: float,
    fine: sh.Sharpness | None,
    scale: float,
) -> float | None:
    """Blur (equivalent Gaussian sigma, original pixels) of a smear too long for the fine focus score, else None.

    `work` is the working grey image (uint8), `text_area` the text-area mask at 1/factor of its size (as
    qc.sharpness.select_cells takes it), `fine` the fine pass's result on `work` (None when it found too few
    edges), `scale` the original pixels per working pixel. Pages whose fine pass saw edges in every direction
    are not looked at again (the usual page pays nothing). A direction soft at one reduction but sharp at the other
    is no smear: a hand shadow's soft boundary across a blank ruled form is soft at 1/4 and not followed at 1/8,
    where the rules' ends are what is scored.
    """
    if fine is not None and not lopsided(fine.directions):
        return None
    scored = []  # (reduction, per-direction median scores) of each reduced copy with edges enough to say
    for f in FACTORS:
        h, w = work.shape[0] // f, work.shape[1] // f
        if min(h, w) < 2 * sh.MIN_CELL:
            break
        coarse = cv2.resize(work, (w, h), interpolation=cv2.INTER_AREA)
        got = sh.measure(coarse, sh.select_cells(text_area, factor / f, coarse.shape))
        if got is not None:
            scored.append((f, got.direction_scores, got.directions))
    worst = None
    for f, scores, counts in scored:
        for d, v in enumerate(scores):
            if v is None or v >= MAX_SMEARED_SCORE or counts[d] < MIN_SHARE * sum(counts):
                continue
            if any(o[d] is not None and o[d] >= SHARP_ELSEWHERE for g, o, _ in scored if g != f):
                continue  # sharp across the same direction at the other reduction: a soft shadow's edge, no smear
            blur = sh.original_blur(sh.sigma_of_score(v), scale * f)
            worst = blur if worst is None else max(worst, blur)
    return worst


def lopsided(directions: tuple[int, ...]) -> bool:
    """Whether a direction holds under IMBALANCE of the edges of the direction across it (counts per 45 degrees)."""
    a, b, c, d = directions
    return min(a, c) < IMBALANCE * max(a, c) or min(b, d) < IMBALANCE * max(b, d)
