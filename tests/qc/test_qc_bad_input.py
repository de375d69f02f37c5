"""Bad input: a clear QCInputError or a correct result, never a crash, hang or out-of-memory."""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

import qc
from tests.qc.helpers import SMALL


def _jpeg(page_jpeg) -> bytes:  # type: ignore[no-untyped-def]
    return page_jpeg(seed=1, layout="text", angle_deg=0.4)[0]


def _code(data: object) -> str:
    with pytest.raises(qc.QCInputError) as e:
        qc.check(data, SMALL)  # type: ignore[arg-type]
    assert str(e.value)  # a message a person can read
    return e.value.code


def test_zero_bytes() -> None:
    assert _code(b"") == "empty"


def test_non_image() -> None:
    assert _code(b"%PDF-1.4 not an image at all" * 10) == "unsupported_format"


def test_truncated_jpeg(page_jpeg) -> None:
    data = _jpeg(page_jpeg)
    assert (
        _code(data[: len(data) // 2]) == "truncated"
    )  # the image policy names a cut-off file apart from a damaged one


def test_corrupt_jpeg_header() -> None:
    assert _code(b"\xff\xd8\xff\xe0" + b"\x00\x10garbage" * 50) == "corrupt"


def test_error_is_value_error_and_pickles() -> None:
    e = qc.QCInputError("corrupt", "broken")
    assert isinstance(e, ValueError)
    back = pickle.loads(pickle.dumps(e))
    assert back.code == "corrupt" and back.message == "broken"


def _png_header(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h pixels, with a tiny (invalid) body: must be refused before decoding."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\x00" * 100)
    body = struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + chunk + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def test_30000_square_refused_by_header() -> None:
    assert _code(_png_header(30000, 30000)) == "too_many_pixels"


def test_the_pixel_limit_is_the_policys_not_pillows() -> None:
    """95 MP is within the default 120 MP limit (and a raised one), though above Pillow's own 89.5 MP warning; the
    refusal above the limit names the policy's figure."""
    from qc import imagefile

    header = _png_header(11000, 8700)  # 95.7 MP
    assert imagefile.probe(header).width == 11000
    assert imagefile.probe(header, imagefile.Limits(max_pixels=200_000_000)).height == 8700
    with pytest.raises(qc.QCInputError) as e:
        imagefile.probe(_png_header(11000, 11000))  # 121 MP
    assert e.value.code == "too_many_pixels" and "120,000,000" in e.value.message


def test_huge_array_refused() -> None:
    big = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(30000, 30000), strides=(0, 0))
    assert _code(big) == "too_many_pixels"


def test_one_pixel_gives_a_result() -> None:
    buf = io.BytesIO()
    Image.new("L", (1, 1), 255).save(buf, "PNG")
    rep = qc.check(buf.getvalue(), SMALL)
    assert rep.verdict == "fail" and "low_resolution" in rep.reasons and (rep.width, rep.height) == (1, 1)


def test_16_bit_tiff(page_jpeg) -> None:
    gray = cv2.imdecode(np.frombuffer(_jpeg(page_jpeg), np.uint8), cv2.IMREAD_GRAYSCALE)
    ok, tif = cv2.imencode(".tiff", gray.astype(np.uint16) * 257)
    assert ok
    rep, ref = qc.check(tif.tobytes(), SMALL), qc.check(gray, SMALL)
    assert rep.verdict == ref.verdict == "pass"
    assert rep.skew_deg == pytest.approx(ref.skew_deg, abs=0.05)


def test_cmyk_jpeg(page_jpeg) -> None:
    rgb = Image.open(io.BytesIO(_jpeg(page_jpeg))).convert("RGB")
    buf = io.BytesIO()
    rgb.convert("CMYK").save(buf, "JPEG", quality=92)
    rep = qc.check(buf.getvalue(), SMALL)
    assert rep.verdict == "pass" and rep.skew_deg == pytest.approx(0.4, abs=0.2)


def test_png_with_alpha_composited_on_white(page_jpeg) -> None:
    rgb = Image.open(io.BytesIO(_jpeg(page_jpeg))).convert("RGBA")
    a = np.asarray(rgb).copy()
    a[:, :, 3] = 255
    a[:100, :, :3] = 0  # hidden under full transparency: must not show as black
    a[:100, :, 3] = 0
    buf = io.BytesIO()
    Image.fromarray(a, "RGBA").save(buf, "PNG")
    rep = qc.check(buf.getvalue(), SMALL)
    assert rep.metrics["ink_level"] is not None and rep.width == 2000


def test_exif_rotated_jpeg(page_jpeg) -> None:
    img = Image.open(io.BytesIO(_jpeg(page_jpeg)))
    rotated = img.transpose(Image.Transpose.ROTATE_270)  # pixels stored sideways...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...and EXIF says: rotate 90° clockwise to display
    buf = io.BytesIO()
    rotated.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    rep = qc.check(buf.getvalue(), SMALL)
    assert (rep.width, rep.height) == (2000, 1500)
    assert rep.skew_deg == pytest.approx(0.4, abs=0.2) and rep.verdict == "pass"


def test_missing_file_raises_os_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        qc.check(tmp_path / "nope.jpg", SMALL)


def test_bad_array_shapes() -> None:
    assert _code(np.zeros((10, 10, 2), np.uint8)) == "unsupported_format"
    assert _code(np.zeros((10, 10), np.float32)) == "unsupported_format"


def _overwritten(data: bytes, kind: str) -> bytes:
    """The JPEG with a block of its compressed data overwritten in the middle, as a failing disk or a copy that
    wrote over itself leaves it: zeros, another camera file's bytes, or a few random bytes."""
    mid, n = len(data) // 2, max(64, len(data) // 10)
    if kind == "zeros":
        block = bytes(n)
    elif kind == "other_file":
        block = _other_jpeg_bytes(n)
    else:
        n, block = 64, np.random.default_rng(5).integers(0, 256, 64, dtype=np.uint8).tobytes()
    return data[:mid] + block + data[mid + n :]


def _other_jpeg_bytes(n: int) -> bytes:
    rng = np.random.default_rng(3)
    img = cv2.GaussianBlur(rng.integers(0, 256, (1500, 2000), dtype=np.uint8), (5, 5), 0)
    other = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()
    return other[len(other) // 2 : len(other) // 2 + n]


@pytest.mark.parametrize("kind", ["zeros", "other_file", "random_64_bytes"])
@pytest.mark.parametrize("size", [(2000, 1500), (1000, 750)])  # decoded at half scale, and at full scale
def test_jpeg_overwritten_mid_stream_is_corrupt(page_jpeg, kind: str, size: tuple[int, int]) -> None:
    """libjpeg only warns about damaged compressed data and decodes a garbled picture (OpenCV and Pillow return it
    as if whole): the check refuses it as corrupt, naming libjpeg's finding, on the station and the server alike;
    the processed copy refuses it the same way."""
    from qc import imagefile
    from qc.processing import Settings, process

    data = page_jpeg(seed=1, layout="text", angle_deg=0.4, frame_wh=size)[0]
    assert isinstance(qc.check(data, SMALL), qc.Report)  # whole, it is judged
    bad = _overwritten(data, kind)
    imagefile.probe(bad)  # its structure is intact: only the pixels tell
    with pytest.raises(qc.QCInputError) as e:
        qc.check(bad, SMALL)
    assert e.value.code == "corrupt" and "libjpeg" in e.value.message and "Corrupt JPEG data" in e.value.message
    with pytest.raises(qc.QCInputError) as e:
        process(bad, {}, Settings())
    assert e.value.code == "corrupt"


def test_jpeg_warnings_that_leave_the_pixels_whole_are_not_refused(page_jpeg) -> None:
    """Padding before the end-of-image marker (some cameras write it) and an unknown JFIF revision make libjpeg
    warn but lose nothing: the report is the same as the clean file's. (Compressed data left over before that
    marker is damage: the random-bytes case above ends so.)"""
    data = page_jpeg(seed=1, layout="text", angle_deg=0.4)[0]
    clean = qc.check(data, SMALL).to_dict()
    assert data.endswith(b"\xff\xd9")
    padded = data[:-2] + b"\x00" * 300 + data[-2:]  # libjpeg: "295 extraneous bytes before marker 0xd9"
    assert data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00"
    revised = data[:11] + b"\x03" + data[12:]  # JFIF version 3.01
    for variant in (padded, revised):
        assert qc.check(variant, SMALL).to_dict() == clean
