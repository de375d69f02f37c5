"""Printed pictures on a page — ultrasound, endoscopy or pathology images, halftone photographs — found so that the
focus map leaves their cells out: a picture's own content is soft and is no measure of the page's focus."""

from __future__ import annotations

import cv2
import numpy as np

TONED = 0.7  # a pixel darker than this share of the local paper grey is toned (print diluted on the mid grid is not)
PAPER_REACH = 1 / 5  # the local paper grey: the brightest pixel within this share of the long side (~60 mm on A4)
DENSE = 0.5  # a picture's area is at least this share toned, over a window of a quarter cell
MIN_SIDE_CELLS = 0.75  # a picture is at least this many focus cells wide and high (~22 mm on an A4 photo) ...
MIN_FILL = 0.4  # ... and fills this share of its bounding box (a shadow's edge or a table's rule does not)
MIN_OVERLAP = 0.3  # a cell this much inside a picture is left out


def picture_cells(
    mid: np.ndarray, area: np.ndarray, corners: list[tuple[int, int]], size: int, scale: float
) -> np.ndarray:
    """Whether each focus cell lies in a printed picture: bool array of len(corners).

    `mid` is a reduced grey copy of the working image (uint8), `area` where the paper is (0/1 or bool on any grid,
    brought to mid's: the mat is no picture), `scale` working pixels per mid pixel, `corners` the cells' top-left
    corners in working pixels, `size` their side. On `mid`, a pixel of the paper darker than TONED of the paper
    grey near it (the brightest within PAPER_REACH of the long side) is toned; where over DENSE of a quarter cell
    is toned, the area is dense; a connected dense area at least MIN_SIDE_CELLS cells wide and high and filling
    MIN_FILL of its bounding box is a picture (its box), and a cell MIN_OVERLAP inside it is left out.

    Print and handwriting, sharp or blurred, never tone an area: on the mid grid (a quarter of a 12 MP frame's
    working image) a stroke is diluted to a quarter of its darkness. A printed picture does: the third break-it
    tester's ultrasound fans and 85-150 lpi halftones, and bench.qc.periodic's, whose screen is finer than a
    working pixel and reads as smooth tone: their cells fell silent or scored as blurred as can be told, and a
    sharp report failed `blur`. A dark hand shadow may be left out too (a page whose print is blurred elsewhere
    still fails). Called only for a page found blurred.
    """
    out = np.zeros(len(corners), bool)
    if not corners:
        return out
    k = max(3, int(max(mid.shape) * PAPER_REACH) | 1)
    paper = cv2.dilate(mid, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    inside = cv2.resize(area.astype(np.uint8), mid.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0  # not the mat
    toned = ((mid.astype(np.float32) < TONED * paper.astype(np.float32)) & inside).astype(np.float32)
    q = max(3, int(size / scale / 4) | 1)
    dense = (cv2.blur(toned, (q, q)) > DENSE).astype(np.uint8)
    dense = cv2.morphologyEx(dense, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (q, q)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=8)
    side = MIN_SIDE_CELLS * size / scale
    boxes = np.zeros_like(dense)
    for x, y, w, h, area in stats[1:n]:
        if min(w, h) >= side and area >= MIN_FILL * w * h:
            boxes[y : y + h, x : x + w] = 1
    if not boxes.any():
        return out
    summed = cv2.integral(boxes)
    for i, (cy, cx) in enumerate(corners):
        y0, x0 = int(cy / scale), int(cx / scale)
        y1, x1 = min(boxes.shape[0], int((cy + size) / scale)), min(boxes.shape[1], int((cx + size) / scale))
        if y1 > y0 and x1 > x0:
            got = summed[y1, x1] - summed[y0, x1] - summed[y1, x0] + summed[y0, x0]
            out[i] = got >= MIN_OVERLAP * (y1 - y0) * (x1 - x0)
    return out
