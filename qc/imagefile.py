"""The page-image policy, decided once: what a page image may be, how it is read, and what is refused.

The capture station, the server's upload check, qc, thumbnails, the image viewer and the delivery's PDF building
all read images through this module, so they cannot disagree about whether an image is usable. The table of
accepted variants and refusal codes is in qc/README.md ("Image policy").

- Accepted: JPEG (baseline, progressive; grey, YCbCr, CMYK/Adobe; ICC profiles; MPO: the main image is the page,
  the camera's extra MPF images are ignored), PNG (1/2/4/8/16-bit grey, palette with or without transparency,
  RGB, grey+alpha, RGBA, 8/16-bit), TIFF (classic; uncompressed, LZW, Deflate, PackBits, CCITT G3/G4, JPEG;
  1/8/16-bit grey, 8/16-bit RGB, CMYK, alpha).
- Refused (QCInputError code): empty, truncated, corrupt, unsupported_format, unsupported_variant, multi_page,
  too_many_pixels, decoded_too_large.
- EXIF orientation 1-8 is applied; 0, any other number and any unreadable value count as upright (1).
- Bytes after the end of the main image stream (zero padding, a camera's trailer) are ignored; the file is stored
  as sent.
- Pixels are brought to 8 bits per channel: 16-bit samples by their high byte (full range 0-65535 → 0-255),
  alpha composited over white paper, palettes expanded, CMYK and ICC-tagged images converted to sRGB.
- Decoding is bounded: the header is checked before any pixel is decoded (pixels, and decoded bytes =
  width × height × channels × bytes per channel); JPEGs are decoded at reduced scale by libjpeg when the step
  needs fewer pixels; conversion to 8 bits and reduction run in bands, so a step holds the decoded image once
  plus its own (usually much smaller) result.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import (
    Image,
    ImageCms,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    UnidentifiedImageError,
)

from qc import jpegdata, pngdata
from qc.errors import QCInputError
from qc.streams import stream_end

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff"}
BROWSER_FORMATS = ("JPEG", "MPO", "PNG")  # shown by browsers as they are, when also 8-bit, upright and opaque
MAX_PIXELS = 120_000_000
MAX_SIDE = 100_000
MAX_DECODED_BYTES = 400 * 1024 * 1024  # a 100 MP RGBA page; with the step's output, a worker stays under 600 MB
_ALPHA_MODES = ("LA", "PA", "RGBA")
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
SUPPORTED_MODES = frozenset({"1", "L", "P", "RGB", "RGBX", "CMYK", "YCbCr", "LAB", *_ALPHA_MODES, *SIXTEEN_BIT_MODES})
_BAND_BYTES = 8 * 1024 * 1024  # source bytes converted at a time
PLACEHOLDER_DPI = (72.0, 96.0)

Mode = Literal["L", "RGB"]
_PLUGINS = (JpegImagePlugin, MpoImagePlugin, PngImagePlugin, TiffImagePlugin)  # registered before any open()


@dataclass(frozen=True)
class Limits:
    """Header limits applied before any pixel is decoded."""

    max_pixels: int = MAX_PIXELS
    max_side: int = MAX_SIDE
    max_decoded_bytes: int = MAX_DECODED_BYTES


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ImageFacts:
    """What the policy read from a file's header and structure (no pixel decoded).

    width/height: as stored (pixels); orientation: the EXIF orientation applied (1-8, 1 when absent or invalid);
    exif_orientation: the raw tag value (None when absent); bit_depth: bits per sample in the file; channels: of
    the decoded image; decoded_bytes: width × height × channels × bytes per channel; main_end: byte offset after
    the main image stream; extra_images: MPF images after the main one (MPO).
    """

    format: str
    media_type: str
    width: int
    height: int
    mode: str
    bit_depth: int
    channels: int
    decoded_bytes: int
    orientation: int
    exif_orientation: object
    main_end: int
    extra_images: int
    has_alpha: bool
    has_icc: bool
    dpi: float | None

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) once the orientation is applied."""
        return (self.height, self.width) if self.orientation >= 5 else (self.width, self.height)

    @property
    def mirrored(self) -> bool:
        """The orientation includes a mirror (EXIF 2, 4, 5, 7)."""
        return self.orientation in (2, 4, 5, 7)

    @property
    def browser_safe(self) -> bool:
        """A browser shows the file itself exactly as the policy reads it (else a JPEG rendition is served)."""
        return (
            self.format in BROWSER_FORMATS
            and self.bit_depth <= 8
            and self.exif_orientation in (None, 1)
            and not self.has_alpha
            and self.mode in ("L", "RGB", "1", "P")
        )


def refusal_codes() -> tuple[str, ...]:
    """Every code probe() or read() may refuse an image with."""
    from qc.errors import INPUT_ERROR_CODES

    return INPUT_ERROR_CODES


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # the pixel limit is the policy's (probe(): Limits.max_pixels), not Pillow's 89.5 MP warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "TIFF"])  # JPEG also opens MPO
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise QCInputError("too_many_pixels", f"refused by header: {e}") from None
    except UnidentifiedImageError:
        raise QCInputError("corrupt", "the image header is damaged") from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError) as e:
        raise QCInputError("corrupt", f"the image header is damaged ({e})") from None


def _other_format(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.format
    except Exception:  # noqa: BLE001 - whatever it is, it is not an accepted image
        return None


def _stored_size(im: Image.Image) -> tuple[int, int]:
    """(width, height) as stored: recent Pillow reports a TIFF's size already turned by its Orientation tag."""
    if im.format == "TIFF":
        tags = getattr(im, "tag_v2", {})
        try:
            return int(tags[256]), int(tags[257])
        except (KeyError, TypeError, ValueError):
            pass
    return im.size


def _orientation(im: Image.Image, png_exif: bytes | None = None) -> tuple[int, object]:
    try:
        if im.format == "PNG":  # Pillow's PNG getexif() decodes every pixel to look past IDAT: read the chunk
            exif = Image.Exif()
            if png_exif:
                exif.load(b"Exif\x00\x00" + png_exif)
            raw = exif.get(0x0112)
        else:
            raw = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a damaged EXIF block never makes an image unreadable: it is upright
        return 1, "unreadable"
    if isinstance(raw, tuple | list) and len(raw) == 1:
        raw = raw[0]
    try:
        value = int(raw) if raw is not None and not isinstance(raw, bytes | str) else None
    except (TypeError, ValueError, OverflowError):
        value = None
    return (value if value is not None and 1 <= value <= 8 else 1), raw


def _dpi(im: Image.Image) -> float | None:
    """The stated resolution: the lower of the horizontal and vertical (detail is bounded by the coarser axis)."""
    dpi = im.info.get("dpi")
    try:
        vs = [float(d) for d in dpi[:2]] if isinstance(dpi, tuple | list) and dpi else []
    except (TypeError, ValueError):
        return None
    if not vs or any(not math.isfinite(v) or v < 50 or any(abs(v - p) < 0.5 for p in PLACEHOLDER_DPI) for v in vs):
        return None
    return min(vs)


def probe(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImageFacts:
    """Decide from header and structure alone whether the policy accepts this file; raise QCInputError if not."""
    if not data:
        raise QCInputError("empty", "the file is empty (0 bytes)")
    ends = stream_end(data)
    if ends.state == "unknown":
        other = _other_format(data)
        raise QCInputError(
            "unsupported_format",
            f"{other} images are not accepted; send JPEG, PNG or TIFF" if other else "not a JPEG, PNG or TIFF image",
        )
    if ends.state == "incomplete":
        raise QCInputError("truncated", "the file ends inside the image: it was cut off (or is still being written)")
    if ends.state == "malformed":
        raise QCInputError("corrupt", "the image's structure is damaged")
    with _open(data) as im:
        fmt, (w, h), mode = im.format or "", _stored_size(im), im.mode
        if fmt not in ACCEPTED_FORMATS:
            raise QCInputError("unsupported_format", f"{fmt} images are not accepted; send JPEG, PNG or TIFF")
        if w < 1 or h < 1 or w * h > limits.max_pixels or max(w, h) > limits.max_side:
            raise QCInputError(
                "too_many_pixels",
                f"{w}x{h} is {w * h:,} pixels; the limit is {limits.max_pixels:,} and {limits.max_side:,} per side",
            )
        frames = ends.frames if fmt == "PNG" else 1 if fmt == "MPO" else int(getattr(im, "n_frames", 1) or 1)
        if frames > 1:
            raise QCInputError("multi_page", f"the file holds {frames} images; send one page per file")
        if mode not in SUPPORTED_MODES or ends.bit_depth > 16:
            raise QCInputError(
                "unsupported_variant", f"pixel mode {mode} ({ends.bit_depth} bits per sample) is not supported"
            )
        channels = len(im.getbands())
        decoded = w * h * channels * (2 if ends.bit_depth > 8 else 1)
        if decoded > limits.max_decoded_bytes:
            raise QCInputError(
                "decoded_too_large",
                f"decoded, the image needs {decoded:,} bytes; the limit is {limits.max_decoded_bytes:,}",
            )
        png_exif = data[ends.exif_chunk[0] : sum(ends.exif_chunk)] if ends.exif_chunk else None
        orientation, raw = _orientation(im, png_exif)
        alpha = mode in _ALPHA_MODES or (mode == "P" and "transparency" in im.info)
        return ImageFacts(
            format=fmt,
            media_type=ACCEPTED_FORMATS[fmt],
            width=w,
            height=h,
            mode=mode,
            bit_depth=ends.bit_depth,
            channels=channels,
            decoded_bytes=decoded,
            orientation=orientation,
            exif_orientation=raw,
            main_end=ends.main_end,
            extra_images=ends.extra_images,
            has_alpha=alpha,
            has_icc=bool(im.info.get("icc_profile")),
            dpi=_dpi(im),
        )


# ---- reading pixels ---------------------------------------------------------------------------------------------

_ORIENT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.swapaxes(a[::-1, ::-1], 0, 1),
    8: lambda a: np.rot90(a, 1),
}


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """The array as it is meant to be seen under an EXIF orientation (1-8; anything else: unchanged)."""
    f = _ORIENT.get(orientation)
    return np.ascontiguousarray(f(pixels)) if f else pixels


def _icc_transform(im: Image.Image) -> ImageCms.ImageCmsTransform | None:
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(src, ImageCms.createProfile("sRGB"), im.mode, "RGB")
    except Exception:  # noqa: BLE001 - a profile lcms cannot use is ignored: the pixels are taken as sRGB
        return None


def _band_pixels(band: Image.Image, mode: Mode, icc: ImageCms.ImageCmsTransform | None) -> np.ndarray:
    m = band.mode
    if m in SIXTEEN_BIT_MODES:
        a = np.asarray(band)
        grey = (np.clip(a, 0, 65535).astype(np.uint32) >> 8).astype(np.uint8)
        return grey if mode == "L" else np.repeat(grey[..., None], 3, axis=2)
    if m in _ALPHA_MODES or (m == "P" and "transparency" in band.info):
        rgba = np.asarray(band.convert("RGBA"), dtype=np.uint16)
        a = rgba[..., 3:4]
        rgb = ((rgba[..., :3] * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)  # over white paper
        return rgb if mode == "RGB" else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if icc is not None:
        band = ImageCms.applyTransform(band, icc) or band
    return np.asarray(band if band.mode == mode else band.convert(mode))


def _convert(im: Image.Image, mode: Mode, factor: int) -> np.ndarray:
    """8-bit pixels of a loaded image, reduced by an integer factor (area average), converted band by band."""
    w, h = im.size
    factor = max(1, min(factor, w, h))
    ow, oh = w // factor, h // factor
    out = np.empty((oh, ow) if mode == "L" else (oh, ow, 3), np.uint8)
    icc = _icc_transform(im)
    rows = max(1, _BAND_BYTES // max(1, w * 4) // factor) * factor
    for y in range(0, oh * factor, rows):
        y2 = min(y + rows, oh * factor)
        px = _band_pixels(im.crop((0, y, ow * factor, y2)), mode, icc)
        if factor > 1:
            px = cv2.resize(px, (ow, (y2 - y) // factor), interpolation=cv2.INTER_AREA)
        out[y // factor : y2 // factor] = px
    return out


def _jpeg_grey(data: bytes, facts: ImageFacts, factor: int) -> np.ndarray | None:
    """The luma of an 8-bit YCbCr or grey JPEG, DCT-scaled by libjpeg-turbo (qc.jpegdata.luma; None: Pillow's
    path). CMYK, 12-bit and ICC-tagged grey files keep the general path (Pillow converts them)."""
    if facts.format not in ("JPEG", "MPO") or facts.mode not in ("L", "RGB") or facts.bit_depth > 8:
        return None
    if facts.mode == "L" and facts.has_icc:
        return None
    return jpegdata.luma(data[: facts.main_end or len(data)], max(facts.width, facts.height), factor)


def _rest(stored_long: int, facts: ImageFacts, factor: int) -> int:
    """Area-average reduction left for pixels of long side `stored_long` read `factor` times smaller (as luma)."""
    return max(1, round(stored_long / max(1, max(facts.width, facts.height) // factor)))


def _png_grey(data: bytes, facts: ImageFacts, rest: int) -> np.ndarray | None:
    """An 8-bit or bilevel grey PNG, no ICC or alpha, decoded and reduced by qc.pngdata; None: Pillow's path."""
    if facts.format != "PNG" or facts.has_icc or facts.has_alpha:
        return None
    rest = max(1, min(rest, facts.width, facts.height))
    return pngdata.grey(data[: facts.main_end or len(data)], facts.width, facts.height, facts.bit_depth, rest)


@dataclass(frozen=True)
class Pixels:
    """Pixels read under the policy: uint8, upright, shape (h, w) for "L" or (h, w, 3) for "RGB".

    scale: original pixels per output pixel (≥ 1).
    """

    array: np.ndarray
    facts: ImageFacts
    scale: float


def read(
    data: bytes,
    mode: Mode = "RGB",
    *,
    factor: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    facts: ImageFacts | None = None,
) -> Pixels:
    """Decode straight to what a step needs: 8-bit `mode`, reduced about `factor` times per side, upright.

    JPEGs are decoded at 1/2, 1/4 or 1/8 scale by libjpeg when factor allows; the rest of the reduction is an
    area average. `facts`: what probe() already said about these bytes. Raises QCInputError for any file the
    policy refuses or that fails to decode.
    """
    facts = facts or probe(data, limits)
    w, h = facts.width, facts.height
    factor = max(1, min(int(factor), w, h))
    grey = _jpeg_grey(data, facts, factor) if mode == "L" else None
    if grey is None and mode == "L":
        grey = _png_grey(data, facts, _rest(max(w, h), facts, factor))
    if grey is not None:
        array = upright(grey, facts.orientation)
        return Pixels(array, facts, facts.upright_size[0] / array.shape[1])
    if facts.format == "PNG":
        pngdata.require_rows(data[: facts.main_end or len(data)])
    im = _open(data)
    try:
        if facts.format in ("JPEG", "MPO") and factor > 1:
            draft_mode = "L" if mode == "L" and im.mode in ("RGB", "L") else im.mode
            im.draft(draft_mode, (max(1, w // factor), max(1, h // factor)))
        im.load()
        # Recent Pillow turns a TIFF upright while loading it (and drops the tag): never turn it twice.
        turned_by_pillow = facts.format == "TIFF" and 0x0112 not in getattr(im, "tag_v2", {})
        rest = _rest(max(im.size), facts, factor)
        array = _convert(im, mode, rest)
    except QCInputError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, MemoryError) as e:
        raise QCInputError("corrupt", f"the image data is damaged ({e})") from None
    finally:
        im.close()
    if not turned_by_pillow:
        array = upright(array, facts.orientation)
    uw = facts.upright_size[0]
    return Pixels(array, facts, uw / array.shape[1])
