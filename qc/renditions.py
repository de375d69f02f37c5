"""Renditions of an accepted page image for people: thumbnails and display JPEGs for the browser, and what a PDF
page embeds. Every one goes through the image policy (qc.imagefile: probe and read), so they never disagree with it.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from qc.errors import QCInputError
from qc.imagefile import DEFAULT_LIMITS, ImageFacts, Limits, probe, read
from qc.imagefile import SIXTEEN_BIT_MODES as SIXTEEN_BIT_MODES
from qc.streams import jpeg_main_end


def factor_for(width: int, height: int, longest: int) -> int:
    """The largest integer reduction that keeps the long side at least `longest` pixels (1 if already smaller)."""
    return max(1, max(width, height) // max(1, longest))


# ---- renditions -------------------------------------------------------------------------------------------------


def _encode(array: np.ndarray, fmt: str, **kw: object) -> bytes:
    """A fresh file from pixels alone: nothing of the source's EXIF, ICC or comments is carried over."""
    out = io.BytesIO()
    Image.fromarray(array).save(out, fmt, **kw)
    return out.getvalue()


JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"  # ISO/IEC 15444-1 I.5.1: the JPEG 2000 signature box


def is_jp2(data: bytes) -> bool:
    """The file is a JP2 (JPEG 2000 part 1) file: only Folio's own processed copies are; uploads never are."""
    return data[:12] == JP2_SIGNATURE


def jp2_rgb(data: bytes, longest: int | None = None, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """The pixels of a JP2 processed copy as 8-bit RGB (h, w, 3), decoded at a power-of-two reduction that keeps
    the long side at least `longest` pixels (None: full size). A copy is already upright. Raises QCInputError
    ("corrupt", "too_many_pixels") before decoding a damaged or oversized file."""
    try:
        width, height = Image.open(io.BytesIO(data), formats=["JPEG2000"]).size
        if width * height > limits.max_pixels or max(width, height) > limits.max_side:
            raise QCInputError("too_many_pixels", f"the JPEG 2000 copy has {width} x {height} pixels")
        reduce = 0
        while longest and max(width, height) >> (reduce + 1) >= longest and reduce < 5:
            reduce += 1
        for level in dict.fromkeys((reduce, 0)):  # Pillow fails some levels on odd sizes: then the full size
            try:
                im = Image.open(io.BytesIO(data), formats=["JPEG2000"])
                im.reduce = level  # type: ignore[method-assign,assignment]  # openjpeg's resolution level
                im.load()
                return np.asarray(im.convert("RGB"))
            except OSError:
                if level == 0:
                    raise
        raise AssertionError("unreachable")
    except QCInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a damaged copy
        raise QCInputError("corrupt", f"the JPEG 2000 copy cannot be decoded: {exc}") from exc


def thumbnail_jpeg(data: bytes, side: int = 320, quality: int = 78, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """A JPEG no larger than side × side, upright, 8-bit, without metadata (of a JP2 copy too)."""
    if is_jp2(data):
        small = Image.fromarray(jp2_rgb(data, side, limits))
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        return _encode(np.asarray(small), "JPEG", quality=quality, optimize=True)
    facts = probe(data, limits)
    px = read(data, "RGB", factor=factor_for(facts.width, facts.height, side), limits=limits, facts=facts)
    small = Image.fromarray(px.array)
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _encode(np.asarray(small), "JPEG", quality=quality, optimize=True)


def display_jpeg(data: bytes, quality: int = 90, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """A full-size JPEG of the page as the policy reads it (upright, 8-bit, over white), without metadata; of a
    JP2 processed copy, its pixels (a browser cannot show JPEG 2000)."""
    if is_jp2(data):
        return _encode(jp2_rgb(data, None, limits), "JPEG", quality=quality)
    px = read(data, "RGB", limits=limits)
    return _encode(px.array, "JPEG", quality=quality)


def pdf_image(data: bytes, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes a PDF page embeds for this image (img2pdf): lossless wherever the file allows.

    A JPEG's main stream is embedded as it is (its trailing bytes, MPF index and MPF images cut off) unless its
    EXIF orientation mirrors it: img2pdf rotates the page by a rotation-only orientation and must be called with
    `rotation=img2pdf.Rotation.ifvalid` (an invalid value is upright, as everywhere). A plain 8-bit opaque PNG
    without orientation is embedded as it is (up to its IEND chunk).
    Every other accepted image (mirrored or otherwise oriented PNG/TIFF, 16-bit, alpha, TIFF, CMYK-less
    odd modes) becomes a lossless 8-bit PNG of its upright pixels, keeping the stated resolution.
    """
    facts = probe(data, limits)
    readable_tag = facts.exif_orientation is None or isinstance(facts.exif_orientation, int)  # img2pdf needs a number
    if facts.format in ("JPEG", "MPO") and not facts.mirrored and readable_tag:
        state, end, mpf = jpeg_main_end(data)
        if state != "complete":
            return data
        if mpf is not None:  # the MPF index would point past the cut: drop it, the scan data is untouched
            return data[: mpf[0] - 8] + data[mpf[0] + mpf[1] : end]
        return data[:end]
    if facts.format == "PNG" and facts.browser_safe and facts.mode in ("L", "RGB", "P"):
        return data[: facts.main_end]  # img2pdf reads chunks to the end of the bytes: bytes after IEND are cut
    px = read(data, "L" if _is_grey(facts) else "RGB", limits=limits, facts=facts)
    return _encode(px.array, "PNG", **_dpi_kw(facts))


def _is_grey(facts: ImageFacts) -> bool:
    return facts.mode in ("1", "L", "LA", *SIXTEEN_BIT_MODES)


def _dpi_kw(facts: ImageFacts) -> dict[str, object]:
    return {"dpi": (facts.dpi, facts.dpi)} if facts.dpi else {}
