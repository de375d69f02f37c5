"""Decode a JPEG's pixels with libjpeg-turbo (simplejpeg) and refuse damaged entropy-coded data.

libjpeg only *warns* when the compressed data of a JPEG is damaged (a block of the file overwritten, bytes of
another file spliced in) and goes on decoding a garbled picture: OpenCV and Pillow return it as if nothing had
happened. simplejpeg raises on every warning (`strict=True`); a damaged file is refused here as `corrupt`, while
the few warnings that leave every pixel intact (an unknown JFIF revision, a bad ICC marker, padding of one repeated
byte before the end-of-image marker, as some cameras' MJPEG frames carry) are decoded leniently by the caller, so
a camera's slightly irregular but whole files are never refused.
"""

from __future__ import annotations

import math
import re
from typing import Any

import cv2
import numpy as np

from qc.errors import QCInputError

# libjpeg-turbo's warnings (jerror.h) that leave the decoded pixels whole: JWRN_JFIF_MAJOR, JWRN_BOGUS_ICC,
# JWRN_ADOBE_XFORM, JWRN_NOT_SEQUENTIAL. Every other warning (premature end of a data segment, bad Huffman code, a
# marker found instead of RSTn, premature end of file) means blocks were lost or garbled.
_WHOLE = (
    "unknown jfif revision",
    "bad icc marker",
    "unknown adobe color transform",
    "invalid sos parameters for sequential jpeg",
)
# JWRN_EXTRANEOUS_DATA before the EOI marker: bytes left over after the last block. A writer's padding (one byte
# value repeated) is harmless; compressed data left over means the bit stream lost its way (damage upstream).
_LEFT_OVER = re.compile(r"(\d+) extraneous bytes before marker 0xd9")


def _whole(message: str, data: bytes) -> bool:
    """Whether libjpeg's warning leaves every block of `data` (a JPEG ending in its EOI marker) decoded right."""
    if any(m in message.lower() for m in _WHOLE):
        return True
    m = _LEFT_OVER.search(message)
    if m is None or not data.endswith(b"\xff\xd9"):
        return False
    n = int(m.group(1))
    return 0 < n <= len(data) - 4 and len(set(data[-2 - n : -2])) == 1


def turbo() -> Any:
    """The simplejpeg module, or None where it is not installed (OpenCV or Pillow then decode, leniently)."""
    try:
        import simplejpeg
    except ImportError:  # pragma: no cover - both distributions depend on it
        return None
    return simplejpeg


def decode(data: bytes, colorspace: str = "RGB", scale: int = 1) -> np.ndarray | None:
    """Pixels of a JPEG decoded by libjpeg-turbo, DCT-scaled by 1/`scale` (1, 2, 4 or 8).

    Returns uint8 (h, w, 3) for "RGB", (h, w) for "GRAY", with h = ceil(height / scale); None when simplejpeg is
    not installed or libjpeg warned of something that leaves the pixels whole (OpenCV or Pillow then decode).
    Raises QCInputError("corrupt") when libjpeg reports damaged compressed data (module docstring) or cannot
    decode the file at all.
    """
    sj = turbo()
    if sj is None:
        return None
    kw: dict[str, Any] = {}
    try:
        if scale > 1:
            h, w = sj.decode_jpeg_header(data)[:2]
            kw = {"min_factor": scale, "min_width": math.ceil(w / scale), "min_height": math.ceil(h / scale)}
        px = sj.decode_jpeg(data, colorspace, **kw)
    except ValueError as e:
        if _whole(str(e), data):
            return None  # simplejpeg raises on these even when not strict: the caller's lenient decoder reads it
        raise QCInputError("corrupt", f"the image data is damaged (libjpeg: {e})") from None
    return px[..., 0] if px.ndim == 3 and px.shape[2] == 1 else px


_CV2_REDUCED_GREY = {s: getattr(cv2, f"IMREAD_REDUCED_GRAYSCALE_{s}", cv2.IMREAD_GRAYSCALE) for s in (1, 2, 4, 8)}


def luma(data: bytes, long_side: int, factor: int) -> np.ndarray | None:
    """The luma (libjpeg's Y output) of an 8-bit YCbCr or grey JPEG of `long_side` pixels, reduced `factor` times:
    DCT-scaled by the largest of 1/2, 1/4, 1/8 within factor, the rest by area average. uint8 (h, w).

    The same pixels as Pillow's draft("L"), without Pillow's per-band conversion: the checker's decode, most of
    its time, is about a third faster. Damaged data raises QCInputError("corrupt") (decode()); OpenCV decodes
    where simplejpeg is missing or libjpeg's warning leaves the pixels whole; None when OpenCV fails too (Pillow
    then says why).
    """
    scale = max(s for s in _CV2_REDUCED_GREY if s <= factor)
    out = decode(data, "GRAY", scale)
    if out is None:
        try:
            out = cv2.imdecode(np.frombuffer(data, np.uint8), _CV2_REDUCED_GREY[scale] | cv2.IMREAD_IGNORE_ORIENTATION)
        except cv2.error:
            return None
    if out is None or out.ndim != 2 or out.size == 0:
        return None
    rest = max(1, round(max(out.shape) / max(1, long_side // factor)))  # as imagefile.read() does
    if rest > 1:
        size = (max(1, out.shape[1] // rest), max(1, out.shape[0] // rest))
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    return out
