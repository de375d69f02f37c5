"""Decode a JPEG's pixels with libjpeg-turbo (simplejpeg) and refuse damaged entropy-coded data.

libjpeg only *warns* when the compressed data of a JPEG is damaged (a block of the file overwritten, bytes of
another file spliced in) and goes on decoding a garbled picture: OpenCV and Pillow return it as if nothing had
happened. simplejpeg raises on every warning (`strict=True`); a damaged file is refused here as `corrupt`, while
the few warnings that leave every pixel intact (an unknown JFIF revision, a bad ICC marker, padding of one repeated
byte before the end-of-image marker, as some cameras' MJPEG frames carry) are decoded leniently by the caller, so a camera's slightly irregular but whole files are never refused.
"""

from __future__ import annotations

import math
import re
from typing import Any

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
    not installed or libjpeg warned of something that leaves the pixels whole (OpenCV or Pillow then decode). Raises QCInputError("corrupt") when libjpeg reports damaged compressed data (module docstring)
    or cannot decode the file at all.
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
