"""What an upload is, read from its bytes (never its name): type, size, and whether it is whole."""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from app.pages.exceptions import EmptyUpload, NotAnImage, TooManyPixels, UndecodableImage, UploadTooLarge

# Pillow decoders we accept, by content. Everything else (EPS, PSD, SVG, BMP, ...) is refused.
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff"}


@dataclass(frozen=True)
class ImageInfo:
    """The facts of an accepted upload, read from its header."""

    media_type: str
    width: int
    height: int


def inspect_upload(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int) -> ImageInfo:
    """Refuse empty, oversized, non-image, truncated or too-large-when-decoded uploads, before decoding."""
    if not data:
        raise EmptyUpload("the uploaded file is empty")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"the file has {len(data)} bytes; the limit is {max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as img:
                fmt, (width, height) = img.format, img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(f"the image is too large when decoded: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage("the file is not a JPEG, PNG or TIFF image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UndecodableImage(f"the image header cannot be read: {exc}") from exc
    if fmt not in ALLOWED_FORMATS:
        raise NotAnImage(f"{fmt} images are not accepted; send JPEG, PNG or TIFF")
    if width * height > max_pixels or max(width, height) > max_side:
        raise TooManyPixels(
            f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels and {max_side} per side"
        )
    if fmt == "JPEG" and b"\xff\xd9" not in data[-65536:]:
        raise UndecodableImage("the JPEG is truncated (no end-of-image marker): the file was cut off")
    return ImageInfo(ALLOWED_FORMATS[fmt], width, height)
