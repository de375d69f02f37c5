"""The perceptual hash of a photographed page: find the paper, straighten it, flatten the light, pHash it.

Used by the server (in the QC worker pool at ingest, and by the back-fill of older pages) and by the capture
station (the shot-time check for an unturned or repeated page), so both compare the same numbers. The hash is
taken from qc's working image (`qc.decode.load`, the grey image `qc.check` measures), so a caller that checks a
shot hashes it without decoding it again (`qc.check_hashed`).

Hashing the straightened page, not the raw frame, keeps a repeat shot with the page shifted or turned a little
close to the first shot, while the mat around the page does not make every page look alike; dividing by the
paper's own brightness (a morphological closing) removes uneven light, so what is hashed is the ink. The pHash
itself is `imagehash.phash` (a DCT hash, 16×16 = 256 bits): a library rather than our own DCT.
On generated records (bench/duplicates.py) repeats lie within about 20 bits, distinct consecutive pages ≥ 70.
"""

from __future__ import annotations

import cv2
import numpy as np

from qc.decode import load
from qc.errors import QCInputError

HASH_SIZE = 16  # 256-bit hash
# Two page images whose hashes differ in at most this many bits show the same paper page (bench/duplicates.py:
# repeats lie far below, distinct consecutive pages of one form far above).
REPEAT_MAX_BITS = 40
_GRID = (256, 362)  # A4 portrait proportions
_WORK_LONG = 640  # the outline is found on the frame halved until its long side is below twice this
_CLOSE = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))  # wider than any stroke on the grid
_CROP = 0.04  # the page's border (edge shadows, the outline's inaccuracy) is left out


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
    """The paper of a grey uint8 frame warped onto a fixed 256×362 portrait grid (uint8)."""
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


def page_hash(gray: np.ndarray) -> str | None:
    """The 256-bit pHash (64 hex digits) of the page in a grey uint8 image (qc's working image, any size);
    None when the image is too small to hash or OpenCV cannot process it."""
    import imagehash  # a DCT pHash (imports scipy): loaded on first use, not with qc
    from PIL import Image

    if gray.ndim != 2 or min(gray.shape) < 16:
        return None
    while max(gray.shape) >= 2 * _WORK_LONG:  # halve (area average: exact 2× is the fast path) to 640-1279 px
        gray = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    try:
        return str(imagehash.phash(Image.fromarray(ink_map(straightened_page(gray))), hash_size=HASH_SIZE))
    except cv2.error:
        return None


def hamming(a: str, b: str) -> int:
    """The number of differing bits of two hex hashes of equal length."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def same_page(a: str | None, b: str | None, max_bits: int = REPEAT_MAX_BITS) -> bool:
    """Whether two page hashes show the same paper page (False when either is missing or they differ in length)."""
    return bool(a and b and len(a) == len(b) and hamming(a, b) <= max_bits)


def image_hash(image: bytes, max_pixels: int, max_decoded_bytes: int | None = None) -> str | None:
    """The page hash of an image file's bytes, decoded as `qc.check` decodes it (so it equals the hash ingest
    stores); None when the bytes are not a readable image within the limits."""
    try:
        dec = load(image, max_pixels) if max_decoded_bytes is None else load(image, max_pixels, max_decoded_bytes)
    except QCInputError:
        return None
    return page_hash(dec.gray)
