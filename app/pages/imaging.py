"""What an upload is, read from its bytes (never its name) under the one image policy (qc.imagefile)."""

from dataclasses import dataclass

from app.pages.exceptions import (
    DecodedTooLarge,
    EmptyUpload,
    MultiPageImage,
    NotAnImage,
    TooManyPixels,
    TruncatedImage,
    UndecodableImage,
    UnsupportedImageVariant,
    UploadTooLarge,
)
from qc.errors import QCInputError
from qc.imagefile import Limits, probe

# The policy's refusal code -> the error the server answers (stable codes; see qc/README.md, "Image policy").
REFUSALS = {
    "empty": EmptyUpload,
    "truncated": TruncatedImage,
    "corrupt": UndecodableImage,
    "unsupported_format": NotAnImage,
    "unsupported_variant": UnsupportedImageVariant,
    "multi_page": MultiPageImage,
    "too_many_pixels": TooManyPixels,
    "decoded_too_large": DecodedTooLarge,
}


@dataclass(frozen=True)
class ImageInfo:
    """The facts of an accepted upload, read from its header (width and height as stored)."""

    media_type: str
    width: int
    height: int


def refusal(exc: QCInputError) -> Exception:
    """The server's error for a refusal of the image policy."""
    return REFUSALS.get(exc.code, UndecodableImage)(exc.message)


def inspect_upload(data: bytes, *, max_bytes: int, limits: Limits) -> ImageInfo:
    """Refuse what the image policy refuses (empty, cut off, damaged, not JPEG/PNG/TIFF, unsupported variant,
    several pages, too many pixels or decoded bytes) and files over `max_bytes`, before any pixel is decoded."""
    if len(data) > max_bytes:
        raise UploadTooLarge(f"the file has {len(data)} bytes; the limit is {max_bytes}")
    try:
        facts = probe(data, limits)
    except QCInputError as exc:
        raise refusal(exc) from exc
    return ImageInfo(facts.media_type, facts.width, facts.height)
