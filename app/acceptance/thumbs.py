"""Small copies of page images for the review screen's neighbours: decoded at reduced size, no metadata kept."""

import io

from PIL import Image

THUMB_BOX = (240, 340)
BROWSER_TYPES = frozenset({"image/jpeg", "image/png"})


def thumbnail(data: bytes, box: tuple[int, int] = THUMB_BOX) -> bytes:
    """A JPEG no larger than `box`, without EXIF or other metadata, from a stored page image."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (box[0] * 2, box[1] * 2))  # JPEG: decode at 1/2…1/8 scale, much faster
        small = im.convert("RGB")
        small.thumbnail(box)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def rendition(data: bytes) -> bytes:
    """A full-size JPEG of an image browsers cannot show (TIFF), without metadata."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=90)
    return out.getvalue()
