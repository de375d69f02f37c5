"""Read an image once, at the reduced resolution the checks need, upright and in grey."""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from qc.errors import QCInputError

ImageInput = bytes | bytearray | memoryview | str | os.PathLike[str] | np.ndarray

WORK_MIN_LONG = 1500  # the working image keeps at least this long a side when reduced
PLACEHOLDER_DPI = (72.0, 96.0)  # camera defaults that say nothing about the page
_MAGIC = (b"\xff\xd8", b"\x89PNG", b"II*\x00", b"MM\x00*", b"GIF8", b"BM", b"RIFF")


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


def load(image: ImageInput, max_pixels: int) -> Decoded:
    """Decode bytes, a path or an array into a Decoded; raise QCInputError on bad input."""
    if isinstance(image, np.ndarray):
        return _from_array(image, max_pixels)
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
    elif isinstance(image, str | os.PathLike):
        with open(os.fspath(image), "rb") as fh:
            data = fh.read()
    else:
        raise TypeError(f"unsupported image type {type(image).__name__}")
    return _from_bytes(data, max_pixels)


def _from_array(arr: np.ndarray, max_pixels: int) -> Decoded:
    if arr.ndim not in (2, 3) or arr.size == 0 or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise QCInputError("unsupported_format", f"array of shape {arr.shape} is not a grey or BGR image")
    h, w = arr.shape[:2]
    _check_size(w, h, max_pixels)
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


def _check_size(w: int, h: int, max_pixels: int) -> None:
    if w * h > max_pixels:
        raise QCInputError("too_many_pixels", f"{w}x{h} is {w * h:,} pixels; the limit is {max_pixels:,}")


def _open(data: bytes) -> Image.Image:
    if not data:
        raise QCInputError("empty", "the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise QCInputError("too_many_pixels", f"refused by header: {e}") from None
    except UnidentifiedImageError:
        if data.startswith(_MAGIC):
            raise QCInputError("corrupt", "the image header is damaged") from None
        raise QCInputError("unsupported_format", "not an image file qc can read") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise QCInputError("corrupt", f"the image header is damaged ({e})") from None


def _meta_dpi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    try:
        v = float(dpi[0]) if isinstance(dpi, tuple | list) else None
    except (TypeError, ValueError):
        return None
    if v is None or v < 50 or any(abs(v - p) < 0.5 for p in PLACEHOLDER_DPI):
        return None
    return v


def _to_gray(im: Image.Image) -> np.ndarray:
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3] / 255.0
        grey = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114
        return np.clip(grey * alpha + 255.0 * (1 - alpha) + 0.5, 0, 255).astype(np.uint8)  # over white paper
    if mode.startswith("I;16") or mode == "I":
        a = np.asarray(im)
        if mode == "I":
            a = np.clip(a, 0, 65535)
        return (a.astype(np.uint32) >> 8).astype(np.uint8)
    if mode == "F":
        return np.clip(np.asarray(im), 0, 255).astype(np.uint8)
    if mode in ("L", "1", "RGB", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        return np.asarray(im if mode == "L" else im.convert("L"))
    raise QCInputError("unsupported_format", f"pixel mode {mode} is not supported")


_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: a.T,
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 1)[::-1, :],
    8: lambda a: np.rot90(a, 1),
}


def _from_bytes(data: bytes, max_pixels: int) -> Decoded:
    im = _open(data)
    w, h = im.size
    _check_size(w, h, max_pixels)
    try:
        orientation = int(im.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block must not make the image unreadable
        orientation = 1
    s = reduction(w, h)
    if im.format == "JPEG":
        if not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9") and b"\xff\xd9" not in data[-4096:]:
            raise QCInputError("corrupt", "the JPEG is truncated (no end-of-image marker)")
        if s > 1:
            im.draft("L" if im.mode in ("RGB", "YCbCr", "L") else im.mode, (w // s, h // s))
    try:
        im.load()
        gray = _to_gray(im)
    except QCInputError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, IndexError) as e:
        raise QCInputError("corrupt", f"the image data is damaged ({e})") from None
    finally:
        im.close()
    if gray.shape[1] * s > w * 1.5 and s > 1:  # format without reduced decoding: reduce now
        gray = cv2.resize(gray, (max(1, w // s), max(1, h // s)), interpolation=cv2.INTER_AREA)
    scale = w / gray.shape[1]
    if orientation in _ORIENT:
        gray = _ORIENT[orientation](gray)
        if orientation >= 5:
            w, h = h, w
    return Decoded(np.ascontiguousarray(gray), w, h, scale, _meta_dpi(im))
