"""Where the light on the page changes: the edges of shadows (a hand, the camera, a fold), not of print.

A shadow's boundary over the paper is an edge as strong as print's, and soft: in a cell of sparse print that it
crosses it outnumbered the print's sharp edges and the cell was scored as blurred (a hand shadow over a sparse
form failed for blur). Print, sharp or blurred, is thinner than CLOSE_SHARE of the image: a grey closing removes
it and leaves the light - paper, shadows, the mat, objects - whose edges are then found by their gradient.
"""

from __future__ import annotations

import cv2
import numpy as np

CLOSE_SHARE = 0.022  # closing window, share of the long side (~11 px of a 500 px grid, ~6 mm of an A4 photo):
# wider than characters and than lines of print blurred together, narrower than a shadow
SMOOTH_SIGMA = 1.5  # grid pixels, before the gradient
MIN_STEP = 1.5  # grey levels per grid pixel of the closed image; print leaves none, a shadow's edge several
GROW = 5  # the mask is grown by this many grid pixels (a soft edge's tails)


def light_edges(grid: np.ndarray) -> np.ndarray:
    """uint8 0/1 on `grid`'s shape (a grey uint8 image, ~500 px long side): 1 where the light changes.

    The paper's own outline and objects over it are marked too; qc.sharpness leaves edges there out.
    """
    k = max(5, int(round(CLOSE_SHARE * max(grid.shape))) | 1)
    closed = cv2.morphologyEx(grid, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    smooth = cv2.GaussianBlur(closed.astype(np.float32), (0, 0), SMOOTH_SIGMA)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) * 0.125
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) * 0.125
    mask = (cv2.magnitude(gx, gy) > MIN_STEP).astype(np.uint8)
    return cv2.dilate(mask, np.ones((2 * GROW + 1, 2 * GROW + 1), np.uint8))
