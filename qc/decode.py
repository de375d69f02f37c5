"""Read an image once, at the reduced resolution the checks need, upright and in grey."""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from qc import imagefile
from qc.errors import QCInputError
from qc.imagefile import MAX_DECODED_BYTES, PLACEHOLDER_DPI, Limits

ImageInput = bytes | bytearray | memoryview | str | os.PathLike[str] | np.ndarray

WORK_MIN_LONG = 1500  # the working image keeps at least this long a side when reduced
__all__ = ["PLACEHOLDER_DPI", "WORK_MIN_LONG", "Decoded", "ImageInput", "load", "reduction"]


@dataclass(frozen=True)
class Decoded:
    """Working grey image plus what the header said about the original."""

    gray: np.ndarray  # uint8, upright, reduced by `scale`
    width: int  # upright original size, pixels
    height: int
    scale: float  # original pixels per working pixel
    meta_dpi: float | None  # resolution stated in the file, None if absent or a placeholder


def reduction(width: int, height: int) -> int:
    """Largest power-of-two reduction (≤ 8) that keeps the long side ≥ WORK_MIN_LONG."""
    s = 1
    while s < 8 and max(width, height) / (2 * s) >= WORK_MIN_LONG:
        s *= 2
    return s


def load(image: ImageInput, max_pixels: int, max_decoded_bytes: int = MAX_DECODED_BYTES) -> Decoded:
    """Decode bytes, a path or an array into a Decoded; raise QCInputError on bad input.

    Files are read through the image policy (qc.imagefile): accepted variants, EXIF orientation, 8-bit grey,
    and the limits on pixels and decoded bytes are the same as at the server's door.
    """
    if isinstance(image, np.ndarray):
        return _from_array(image, max_pixels)
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
    elif isinstance(image, str | os.PathLike):
        with open(os.fspath(image), "rb") as fh:
            data = fh.read()
    else:
        raise TypeError(f"unsupported image type {type(image).__name__}")
    limits = Limits(max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)
    facts = imagefile.probe(data, limits)
    px = imagefile.read(data, "L", factor=reduction(facts.width, facts.height), limits=limits, facts=facts)
    w, h = facts.upright_size
    return Decoded(px.array, w, h, px.scale, px.facts.dpi)


def _from_array(arr: np.ndarray, max_pixels: int) -> Decoded:
    if arr.ndim not in (2, 3) or arr.size == 0 or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise QCInputError("unsupported_format", f"array of shape {arr.shape} is not a grey or BGR image")
    h, w = arr.shape[:2]
    if w * h > max_pixels:
        raise QCInputError("too_many_pixels", f"{w}x{h} is {w * h:,} pixels; the limit is {max_pixels:,}")
    if arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    elif arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype != np.uint8:
        raise QCInputError("unsupported_format", f"array dtype {arr.dtype} is not uint8")
    if arr.ndim == 3:
        if arr.shape[2] == 4:
            alpha = arr[..., 3:4].astype(np.float32) / 255.0
            arr = (arr[..., :3] * alpha + 255.0 * (1 - alpha)).astype(np.uint8)
        gray = arr[..., 0] if arr.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_BGR2GRAY)
    else:
        gray = arr
    s = reduction(w, h)
    if s > 1:
        gray = cv2.resize(gray, (max(1, w // s), max(1, h // s)), interpolation=cv2.INTER_AREA)
    return Decoded(np.ascontiguousarray(gray), w, h, w / gray.shape[1], None)
