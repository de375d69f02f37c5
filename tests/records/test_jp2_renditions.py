"""Renditions of a JPEG 2000 processed copy for the browser (break-it b16 finding 3): a thumbnail and a display
JPEG of its pixels, at sizes Pillow's reduced decoding fails on too (odd sides); a damaged or oversized copy is
refused with the image policy's codes (the views answer image_missing, never a 500)."""

import io

import numpy as np
import pytest
from PIL import Image

from app.records.thumbnails import make_display, make_thumbnail
from qc.errors import QCInputError
from qc.imagefile import Limits


def _jp2(width: int, height: int) -> bytes:
    rng = np.random.default_rng(width)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(out, "JPEG2000", irreversible=False)
    return out.getvalue()


@pytest.mark.parametrize("size", [(900, 1200), (1800, 2525), (333, 211)])
def test_a_jp2_copy_gets_a_thumbnail_and_a_display_jpeg(size: tuple[int, int]) -> None:
    data = _jp2(*size)
    thumb = Image.open(io.BytesIO(make_thumbnail(data)))
    assert thumb.format == "JPEG" and max(thumb.size) == min(320, max(size))
    display = Image.open(io.BytesIO(make_display(data)))  # never b"": a browser cannot show JPEG 2000
    assert (display.format, display.size, display.mode) == ("JPEG", size, "RGB")


def test_a_damaged_or_oversized_jp2_copy_is_refused() -> None:
    data = _jp2(400, 300)
    with pytest.raises(QCInputError) as damaged:
        make_display(data[: len(data) // 3])
    assert damaged.value.code == "corrupt"
    with pytest.raises(QCInputError) as big:
        make_thumbnail(data, limits=Limits(max_pixels=1000))
    assert big.value.code == "too_many_pixels"
