"""The perceptual hash of a photographed page: find the paper, straighten it, flatten the light, pHash it.

Runs in the QC worker processes (app.core.qcpool) and in bench/duplicates.py. Hashing the straightened page,
not the raw frame, keeps a repeat shot with the page shifted or turned a little close to the first shot, while
the mat around the page does not make every page look alike; dividing by the paper's own brightness (a
morphological closing) removes uneven light, so what is hashed is the ink. The pHash itself is
`imagehash.phash` (a DCT hash, 16×16 = 256 bits): a library rather than our own DCT.
On generated records (bench/duplicates.py, 1,026 shots) repeats lie within 20 bits, distinct consecutive pages ≥ 74.
"""

import cv2
import imagehash
import numpy as np
from PIL import Image

HASH_SIZE = 16  # 256-bit hash
_GRID = (256, 362)  # A4 portrait proportions
_WORK_LONG = 640
_CLOSE = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))  # wider than any stroke on the grid
_CROP = 0.04  # the page's border (edge shadows, the outline's inaccuracy) is left out


def _decode_small(data: bytes) -> np.ndarray | None:
    """Grey image with a long side of about 640 px (JPEG decodes at 1/2, 1/4 or 1/8 directly)."""
    buf = np.frombuffer(data, np.uint8)
    gray = None
    for flag in (cv2.IMREAD_REDUCED_GRAYSCALE_8, cv2.IMREAD_REDUCED_GRAYSCALE_4, cv2.IMREAD_GRAYSCALE):
        gray = cv2.imdecode(buf, flag)
        if gray is not None and max(gray.shape) >= _WORK_LONG:
            break
    if gray is None:
        return None
    scale = _WORK_LONG / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray


def _order(pts: np.ndarray) -> np.ndarray:
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def _outline(gray: np.ndarray) -> np.ndarray:
    """The paper's four corners (tl, tr, br, bl): the largest bright region (Otsu) as a quadrilateral, else its
    smallest enclosing rectangle, else the whole frame."""
    h, w = gray.shape
    _, bright = cv2.threshold(cv2.GaussianBlur(gray, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        biggest = max(contours, key=cv2.contourArea)
        if cv2.contourArea(biggest) >= 0.1 * h * w:
            hull = cv2.convexHull(biggest)
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) == 4:
                return _order(approx.reshape(4, 2).astype(np.float32))
            return _order(cv2.boxPoints(cv2.minAreaRect(biggest)).astype(np.float32))
    return np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)


def straightened_page(gray: np.ndarray) -> np.ndarray:
    """The paper warped onto a fixed portrait grid."""
    src = _outline(gray)
    if np.linalg.norm(src[1] - src[0]) > np.linalg.norm(src[3] - src[0]):
        src = np.roll(src, -1, axis=0)  # a landscape outline: start from the corner that makes it portrait
    gw, gh = _GRID
    dst = np.array([[0, 0], [gw - 1, 0], [gw - 1, gh - 1], [0, gh - 1]], np.float32)
    return cv2.warpPerspective(gray, cv2.getPerspectiveTransform(src, dst), _GRID, flags=cv2.INTER_AREA)


def ink_map(page: np.ndarray) -> np.ndarray:
    """The page divided by its paper brightness (closing removes the ink), border cropped: light-independent."""
    paper = cv2.morphologyEx(page, cv2.MORPH_CLOSE, _CLOSE)
    flat = np.clip(page.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255).astype(np.uint8)
    h, w = flat.shape
    cy, cx = int(h * _CROP), int(w * _CROP)
    return flat[cy : h - cy, cx : w - cx]


def page_phash(data: bytes) -> str | None:
    """The 256-bit pHash (64 hex digits) of the photographed page in the image bytes; None if undecodable."""
    try:
        gray = _decode_small(data)
        if gray is None:
            return None
        return str(imagehash.phash(Image.fromarray(ink_map(straightened_page(gray))), hash_size=HASH_SIZE))
    except cv2.error:  # a page the decoder cannot read has no hash; its QC verdict says why
        return None
