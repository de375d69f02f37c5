"""Where the light on the page changes: the edges of shadows (a hand, the camera, a fold), not of print.

A shadow's boundary over the paper is an edge as strong as print's, and soft: in a cell of sparse print that it
crosses it outnumbered the print's sharp edges and the cell was scored as blurred (a hand shadow over a sparse
form failed for blur). Print, sharp or blurred, is thinner than CLOSE_SHARE of the image: a grey closing removes
it and leaves the light - paper, shadows, the mat, objects - whose edges are then found by their gradient.
"""

from __future__ import annotations

import cv2
import numpy as np

from qc import page as pg

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


SHADOW_LIGHT = 0.8  # a shadow keeps less than this share of the paper's light (hand shadows over bench sheets:
# 0.21-0.76 at their darkest); print smeared past reading is fainter (the tester's sparse notes, session 19: their
# darkest 0.79-0.94 of the paper)
RIM = 2  # grid pixels: a shadow reaches this close to the paper's outline (it falls in from beyond the frame side)
SHADOW_SHARE = 0.8  # a trace of content with this share of its pixels in a shadow is the shadow's own
LEFT_BESIDE = 0.25  # share of min_smear_ratio: content left beside a shadow from this on, with no line of print
# to explain it, is smeared print the shadow may partly hide, and the shadow's traces stay (qc.checker.measure).
# Left on empty sheets: 0-0.0025 (bench), 0.0049 (the session-20 tester's light hand); smeared notes by the
# fingers: 0.0088-0.0181; a sharp line of print keeps 0.009-0.013 and its marks


def without_shadows(small: np.ndarray, paper: np.ndarray, content: np.ndarray, still: bool = False) -> np.ndarray:
    """`content` (bool, qc.page.content_mask on `small`, the ~250 px page grid; `paper` uint8 0/255) without the
    dark cores of a hand's shadow falling over the paper from its edge.

    A finger's shadow is as narrow as a line of print smeared past reading, and content_mask keeps it: an empty
    sheet under a hand's shadow read `blur` (session 19: 11 of 24 bench sheets). A trace of content that reaches
    the edge of the paper's inner part and lies (SHADOW_SHARE) in a shadow - paper darker than SHADOW_LIGHT of the
    paper's light, in one piece that reaches within RIM of the paper's outline - loses its pixels in the shadow:
    a smeared note joined to a finger's trace keeps its part on lit paper. A smeared note under the shadow stays
    unless it reaches the paper's edge too. With `still` (the paper's outline as sharp as a still photo's:
    qc.paperedge.Outline.still), a trace in such a shadow that touches lit paper goes too: the round trace of a
    fingertip's shadow, where the shadow ends clear of the edge (session 20: 5 of 24 deep shadows over empty sheets,
    and a signature beside them, read blur). A smeared note the shadow's end crosses looks the same, but a camera
    that smeared it smeared the outline too. Called on pages under min_ink_ratio only (qc.checker.measure, with
    LEFT_BESIDE).
    """
    if not content.any():
        return content
    sm = cv2.GaussianBlur(small, (0, 0), SMOOTH_SIGMA)
    near = cv2.erode(paper, np.ones((2 * RIM + 1, 2 * RIM + 1), np.uint8))
    inside = near > 0
    if not inside.any():
        return content
    light = float(np.percentile(sm[inside], 90))
    dark = ((sm < SHADOW_LIGHT * light) & inside).astype(np.uint8)
    _, piece = cv2.connectedComponents(dark)
    reach = np.unique(piece[_outermost(near) & (dark > 0)])
    shadow = cv2.dilate(np.isin(piece, reach[reach > 0]).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    rim = _outermost(pg.content_area(paper).view(np.uint8))  # where content_mask's traces reach its edge
    n, trace = cv2.connectedComponents(content.view(np.uint8), connectivity=8)
    size, held = np.bincount(trace.ravel(), minlength=n), np.bincount(trace[shadow], minlength=n)
    reach = np.bincount(trace[rim], minlength=n) > 0
    if still:  # a fingertip's trace: where its shadow ends on lit paper
        lit = cv2.dilate((inside & (dark == 0)).view(np.uint8), np.ones((3, 3), np.uint8)) > 0
        reach |= np.bincount(trace[lit & shadow], minlength=n) > 0
    drop = reach & (held >= SHADOW_SHARE * size)
    drop[0] = False
    return content & ~(drop[trace] & shadow)


INK_NEAR = 2  # grid pixels (~2 mm of an A4 sheet's 250 px grid): content this close to a sharp stroke is its own


def near_ink(ink: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Where sharp strokes lie on a coarser grid of `shape` (h, w): `ink` (bool, the analysis grid's stroke mask,
    qc.page.ink_mask) reduced by area, any stroke pixel marking its grid pixel, grown by INK_NEAR; bool.

    content_mask keeps sharp strokes as well as smeared ones: a signature or a few words beside a hand's shadow
    are no smeared trace (qc.checker.measure counts only content away from them against LEFT_BESIDE)."""
    grid = cv2.resize(ink.view(np.uint8) * np.uint8(255), shape[::-1], interpolation=cv2.INTER_AREA)
    k = 2 * INK_NEAR + 1
    return cv2.dilate(grid, np.ones((k, k), np.uint8)) > 0


def _outermost(mask: np.ndarray) -> np.ndarray:
    """The pixels of `mask` (uint8, non-zero inside) next to its outside (8-neighbourhood); bool."""
    return (mask > 0) & (cv2.erode(mask, np.ones((3, 3), np.uint8)) == 0)
