"""8-bit grey PNGs read through libpng on zlib-ng (qc.pngdata) give Pillow's pixels, bit for bit, and whatever
that path cannot take is still read, or refused, by Pillow."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from qc import imagefile, pngdata
from qc.errors import QCInputError

pytestmark = pytest.mark.skipif(pngdata.codecs() is None, reason="imagecodecs is a dependency; here it is missing")


def _page(h: int = 301, w: int = 217) -> np.ndarray:
    """Print-like grey: paper, dark strokes, a gradient and noise (every filter type has work to do)."""
    rng = np.random.default_rng(7)
    px = np.clip(230 - 0.2 * np.arange(w)[None, :] + rng.normal(0, 6, (h, w)), 0, 255).astype(np.uint8)
    for y in range(20, h - 20, 23):
        px[y : y + 3, 15 : w - 15] = 30
    return px


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _with_chunks(png: bytes, *chunks: bytes) -> bytes:
    """`png` with chunks put right after IHDR (8 bytes of signature, 25 of IHDR)."""
    return png[:33] + b"".join(chunks) + png[33:]


def _adam7(px: np.ndarray) -> bytes:
    """An interlaced (Adam7) 8-bit grey PNG of `px`, every row filter type 0 (PNG spec. section 8.2)."""
    h, w = px.shape
    raw = b""
    passes = ((0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1))
    for y0, x0, dy, dx in passes:
        sub = px[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\x00" + row.tobytes() for row in sub)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def _pillow_read(data: bytes, factor: int, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    with monkeypatch.context() as m:
        m.setattr(pngdata, "codecs", lambda: None)
        return imagefile.read(data, "L", factor=factor).array


def _variants() -> dict[str, bytes]:
    px = _page()
    out = {}
    for name in ("NONE", "SUB", "UP", "AVG", "PAETH"):
        flag = getattr(cv2, f"IMWRITE_PNG_FILTER_{name}")
        out[f"filter {name}"] = cv2.imencode(".png", px, [cv2.IMWRITE_PNG_FILTER, flag])[1].tobytes()
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, "PNG", dpi=(600, 600))
    pil = buf.getvalue()
    out["Pillow's writer"] = pil
    out["gamma, sBIT and sRGB chunks"] = _with_chunks(
        pil,
        _chunk(b"gAMA", struct.pack(">I", 100000)),  # gamma 1.0: libpng would act on it if asked; it must not be
        _chunk(b"sBIT", b"\x05"),
        _chunk(b"sRGB", b"\x00"),
    )
    transparent = _chunk(b"tRNS", struct.pack(">H", 255))  # grey 255
    out["a tRNS chunk: Pillow's path"] = _with_chunks(pil, transparent)
    out["interlaced (Adam7): Pillow's path"] = _adam7(px)
    out["bytes after IEND"] = pil + b"\x00" * 4096
    return out


@pytest.mark.parametrize("factor", [1, 2, 4])
@pytest.mark.parametrize("name", list(_variants()))
def test_fast_path_gives_pillows_pixels(name: str, factor: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _variants()[name]
    fast = imagefile.read(data, "L", factor=factor).array
    slow = _pillow_read(data, factor, monkeypatch)
    assert fast.dtype == np.uint8 and fast.shape == slow.shape
    assert np.array_equal(fast, slow), name


def test_the_fast_path_is_taken_for_a_plain_grey_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spy on imagecodecs: a plain 8-bit grey PNG goes through it, an RGB or 16-bit one does not."""
    calls: list[int] = []
    real = pngdata.codecs()

    class Spy:
        @staticmethod
        def png_decode(data: bytes) -> np.ndarray:
            calls.append(len(data))
            return real.png_decode(data)

    monkeypatch.setattr(pngdata, "codecs", lambda: Spy)
    px = _page()
    imagefile.read(cv2.imencode(".png", px)[1].tobytes(), "L", factor=2)
    assert len(calls) == 1
    imagefile.read(cv2.imencode(".png", cv2.merge([px, px, px]))[1].tobytes(), "L")
    imagefile.read(cv2.imencode(".png", px.astype(np.uint16) * 257)[1].tobytes(), "L")
    assert len(calls) == 1


def test_upright_under_an_exif_orientation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PNG's eXIf orientation 6 turns the fast path's pixels as it turns Pillow's."""
    px = _page(120, 80)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, "PNG", exif=exif.tobytes())
    data = buf.getvalue()
    fast = imagefile.read(data, "L").array
    assert fast.shape == (80, 120)
    assert np.array_equal(fast, _pillow_read(data, 1, monkeypatch))
    assert np.array_equal(fast, np.rot90(px, -1))


@pytest.mark.parametrize(
    "bad",
    [_chunk(b"sBIT", b"\x09"), _chunk(b"tIME", bytes(7)), _chunk(b"hIST", bytes(2)), _chunk(b"zTXt", b"k\x00\x00xx")],
)
def test_malformed_ancillary_chunks_print_nothing(bad: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    """libpng warns on stderr of a malformed sBIT, tIME, hIST or zTXt chunk (the session-24 tester), which would
    land over the station's screen: such files are Pillow's to read (qc.pngdata._QUIET), with the same pixels."""
    buf = io.BytesIO()
    Image.fromarray(_page()).save(buf, "PNG")
    data = _with_chunks(buf.getvalue(), bad)
    assert not pngdata._plain(data)
    assert imagefile.read(data, "L").array.shape == (301, 217)
    assert capfd.readouterr().err == ""


def test_damaged_data_is_refused_as_before() -> None:
    """A flipped byte inside the compressed data: libpng fails (or its CRC check does), Pillow's path refuses
    the file as corrupt, as it did without the fast path."""
    data = bytearray(cv2.imencode(".png", _page())[1].tobytes())
    i = data.index(b"IDAT") + 200
    data[i : i + 16] = bytes(16)
    with pytest.raises(QCInputError) as e:
        imagefile.read(bytes(data), "L")
    assert e.value.code == "corrupt"
