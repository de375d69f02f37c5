"""Grey PNGs, 8-bit and bilevel, read through libdeflate and numpy (qc.pngdata) give Pillow's pixels, bit for bit,
at every reduction, and whatever that path cannot take is still read, or refused, by Pillow."""

from __future__ import annotations

import io
import struct
import zlib
from functools import partial

import cv2
import numpy as np
import pytest
from PIL import Image

import qc
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


def _png(ihdr: bytes, raw: bytes) -> bytes:
    """A PNG of the IHDR body `ihdr` and the filtered rows `raw`, in one IDAT chunk."""
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


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
    return _png(struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1), raw)


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


def _filtered_png(px: np.ndarray, kinds: list[int], bits: int = 8) -> bytes:
    """A grey PNG of `px` (0/255 when bits=1) whose row y is filtered with kinds[y % len(kinds)] (0 None, 1 Sub,
    2 Up, 3 Average, 4 Paeth; PNG spec. 9.2, one byte back), written here so that every run of filter types and
    every change between them occurs."""
    h, w = px.shape
    rows = np.packbits(px > 127, axis=1) if bits == 1 else px
    return _png(struct.pack(">IIBBBBB", w, h, bits, 0, 0, 0, 0), _filtered_rows(rows, kinds))


def _filtered_rows(rows: np.ndarray, kinds: list[int]) -> bytes:
    """Stored rows (uint8, bytes of each row) filtered row y with kinds[y % len(kinds)], one byte back."""
    above = np.zeros(rows.shape[1], np.int32)
    raw = bytearray()
    for y, x in enumerate(rows.astype(np.int32)):
        kind = kinds[y % len(kinds)]
        left = np.concatenate(([0], x[:-1]))
        upleft = np.concatenate(([0], above[:-1]))
        if kind == 0:
            pred = np.zeros_like(x)
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = above
        elif kind == 3:
            pred = (left + above) // 2
        else:
            pa, pb, pc = np.abs(above - upleft), np.abs(left - upleft), np.abs(left + above - 2 * upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, above, upleft))
        raw += bytes([kind]) + ((x - pred) % 256).astype(np.uint8).tobytes()
        above = x
    return bytes(raw)


def _bilevel_page(h: int = 203, w: int = 141) -> np.ndarray:
    """A bilevel page (0/255): lines of 'print' and noise, a width that is no multiple of 8."""
    return np.where(_page(h, w) > 150, 255, 0).astype(np.uint8)


_MIXES = {"one kind": [[k] for k in range(5)], "mixed": [[4, 4, 2, 1, 3, 0, 2, 2, 4], [2, 3, 3, 1, 4]]}


@pytest.mark.parametrize("bits", [8, 1])
@pytest.mark.parametrize("factor", [1, 2, 3, 4, 8])
def test_every_filter_run_gives_pillows_pixels(bits: int, factor: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each filter type alone and mixed row by row, 8-bit and bilevel, at every reduction: Pillow's pixels."""
    px = _page() if bits == 8 else _bilevel_page()
    for kinds in [*_MIXES["one kind"], *_MIXES["mixed"]]:
        data = _filtered_png(px, kinds, bits)
        assert np.array_equal(_pillow_read(data, 1, monkeypatch), px), kinds  # the writer is right
        fast = imagefile.read(data, "L", factor=factor).array
        assert np.array_equal(fast, _pillow_read(data, factor, monkeypatch)), (kinds, factor)


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
def test_a_bilevel_scan_from_pillows_and_opencvs_writers(factor: int, monkeypatch: pytest.MonkeyPatch) -> None:
    px = _bilevel_page(517, 389)
    buf = io.BytesIO()
    Image.fromarray(px).convert("1").save(buf, "PNG", dpi=(300, 300))
    for data in (buf.getvalue(), cv2.imencode(".png", px, [cv2.IMWRITE_PNG_BILEVEL, 1])[1].tobytes()):
        assert imagefile.probe(data).mode == "1"
        fast = imagefile.read(data, "L", factor=factor).array
        assert fast.shape == (517 // factor, 389 // factor)
        assert np.array_equal(fast, _pillow_read(data, factor, monkeypatch))


def test_the_fast_path_is_taken_for_a_plain_grey_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spy on the fast path's row filters: a plain 8-bit grey or bilevel PNG goes through it; an RGB, 16-bit,
    palette or interlaced one does not."""
    calls: list[tuple[int, ...]] = []
    real = pngdata._unfilter

    def spy(filtered: np.ndarray) -> np.ndarray | None:
        calls.append(filtered.shape)
        return real(filtered)

    monkeypatch.setattr(pngdata, "_unfilter", spy)
    px = _page()
    imagefile.read(cv2.imencode(".png", px)[1].tobytes(), "L", factor=2)
    imagefile.read(cv2.imencode(".png", px, [cv2.IMWRITE_PNG_BILEVEL, 1])[1].tobytes(), "L", factor=2)
    assert calls == [(301, 218), (301, 29)]
    imagefile.read(cv2.imencode(".png", cv2.merge([px, px, px]))[1].tobytes(), "L")
    imagefile.read(cv2.imencode(".png", px.astype(np.uint16) * 257)[1].tobytes(), "L")
    buf = io.BytesIO()
    Image.fromarray(px).convert("P").save(buf, "PNG")
    imagefile.read(buf.getvalue(), "L")
    imagefile.read(_adam7(px), "L")
    assert len(calls) == 2


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
    assert pngdata._plain_stream(data, 217, 301, 8) is None
    assert imagefile.read(data, "L").array.shape == (301, 217)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("bits", [8, 1])
def test_damaged_data_is_refused_as_before(bits: int) -> None:
    """Bytes zeroed inside the compressed data: the CRC check sends the file to Pillow's path, which refuses it as
    corrupt, as it did without the fast path."""
    data = bytearray(_filtered_png(_page() if bits == 8 else _bilevel_page(), [1, 2, 4], bits))
    assert pngdata.scanlines(bytes(data), *((217, 301) if bits == 8 else (141, 203)), bits) is not None
    i = data.index(b"IDAT") + 40
    data[i : i + 16] = bytes(16)
    with pytest.raises(QCInputError) as e:
        imagefile.read(bytes(data), "L")
    assert e.value.code == "corrupt"


def _rows_png(px: np.ndarray, colour_type: int, rows: int) -> bytes:
    """A PNG of `px` (grey (h, w) or RGB (h, w, 3)) whose data holds `rows` rows, each filtered None, whatever
    the header's height says: fewer (short data) or more (data left over)."""
    h, w = px.shape[:2]
    more = np.concatenate([px, px])[:rows]
    raw = b"".join(b"\x00" + r.tobytes() for r in more)
    return _png(struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0), raw)


@pytest.mark.parametrize("codecs", [True, False], ids=["libdeflate", "zlib"])
@pytest.mark.parametrize("cut", [1, 2, 150])
def test_data_short_of_whole_rows_is_refused(cut: int, codecs: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data of a grey or colour PNG stops at the end of a row, `cut` rows before the header's last (the CRCs
    right): Pillow gave the missing rows black without a word. Refused as corrupt, by the fast path's Pillow
    fallback and by qc.check, whether libdeflate or zlib counts the data."""
    if not codecs:
        monkeypatch.setattr(pngdata, "codecs", lambda: None)
    grey = _page()
    for px, colour_type in ((grey, 0), (cv2.merge([grey, grey // 2, grey]), 2)):
        data = _rows_png(px, colour_type, len(px) - cut)
        for read in (partial(imagefile.read, data, "L"), partial(imagefile.read, data, "RGB"), partial(qc.check, data)):
            with pytest.raises(QCInputError) as e:
                read()
            assert e.value.code == "corrupt" and "stops short" in str(e.value)


def test_interlaced_and_bilevel_data_short_of_rows_is_refused() -> None:
    """The rows an Adam7 file's seven passes declare, and a bilevel file's packed rows, are counted too."""
    whole = _adam7(_page())
    stream = zlib.decompress(b"".join(whole[i : i + n] for kind, i, n in pngdata._chunks(whole) if kind == b"IDAT"))
    short = whole[:33] + _chunk(b"IDAT", zlib.compress(stream[:-219])) + _chunk(b"IEND", b"")  # the last pass's row
    assert imagefile.read(whole, "L").array.shape == (301, 217)
    bilevel = _filtered_png(_bilevel_page(), [0])
    rows = zlib.decompress(b"".join(bilevel[i : i + n] for kind, i, n in pngdata._chunks(bilevel) if kind == b"IDAT"))
    short_bilevel = bilevel[:33] + _chunk(b"IDAT", zlib.compress(rows[: -19 * 3])) + _chunk(b"IEND", b"")
    for data in (short, short_bilevel):
        with pytest.raises(QCInputError) as e:
            imagefile.read(data, "L")
        assert e.value.code == "corrupt"
        with pytest.raises(QCInputError):
            pngdata.require_rows(data)
    pngdata.require_rows(whole)
    pngdata.require_rows(bilevel)


@pytest.mark.parametrize("extra", [1, 40])
def test_data_left_over_after_the_last_row_is_read(extra: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows beyond the header's height lose nothing of the page: the file is read, with Pillow's pixels."""
    px = _page()
    data = _rows_png(px, 0, len(px) + extra)
    assert pngdata.grey(data, 217, 301, 8) is None  # the fast path takes no such file
    assert np.array_equal(imagefile.read(data, "L").array, px)
    assert np.array_equal(_pillow_read(data, 1, monkeypatch), px)


def _restream(png: bytes, cut: int) -> bytes:
    """`png` with its image data inflated, `cut` bytes taken off its end, and deflated again in one IDAT chunk."""
    rows = zlib.decompress(b"".join(png[i : i + n] for kind, i, n in pngdata._chunks(png) if kind == b"IDAT"))
    return png[:33] + _chunk(b"IDAT", zlib.compress(rows[: len(rows) - cut])) + _chunk(b"IEND", b"")


@pytest.mark.parametrize("mode", ["1", "L", "LA", "RGB", "RGBA", "P", "I;16", "P4"])
def test_the_declared_rows_of_every_colour_type_and_depth(mode: str) -> None:
    """pngdata.require_rows counts each colour type's and bit depth's rows to the byte (an odd width: a last byte
    part filled): the whole file passes, one row short is refused."""
    px = _page(37, 141)
    if mode == "I;16":
        im = Image.fromarray(px.astype(np.uint16) * 257)
    else:
        im = Image.fromarray(px).convert("P" if mode == "P4" else mode)
    buf = io.BytesIO()
    im.save(buf, "PNG", **({"bits": 4} if mode == "P4" else {}))
    png = buf.getvalue()
    pngdata.require_rows(png)
    row_bytes = 1 + (141 * pngdata._CHANNELS[png[25]] * png[24] + 7) // 8
    for cut in (row_bytes, row_bytes - 1, 1):  # a row, or part of one: less than the header declares
        with pytest.raises(QCInputError) as e:
            pngdata.require_rows(_restream(png, cut))
        assert e.value.code == "corrupt"


def test_bilevel_padding_bits_are_kept_for_the_row_below(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bilevel PNG 9 px wide whose rows' 7 padding bits are set (the PNG spec leaves their value to the writer),
    rows filtered Paeth, Up, Average: each row is undone against the row above with its padding as written, or the
    right-edge pixel of the rows below comes out wrong (the session-26 tester's files: 35 of 400 fuzzed 1-bit ones).
    Pillow's pixels at every factor."""
    rng = np.random.default_rng(3)
    rows = np.packbits(rng.random((40, 9)) > 0.5, axis=1)
    rows[:, 1] |= 0x7F  # the padding bits after pixel 8
    data = _png(struct.pack(">IIBBBBB", 9, 40, 1, 0, 0, 0, 0), _filtered_rows(rows, [4, 2, 3]))
    want = np.unpackbits(rows, axis=1)[:, :9] * 255
    assert np.array_equal(_pillow_read(data, 1, monkeypatch), want)
    for factor in (1, 2, 3, 4, 8):
        assert np.array_equal(imagefile.read(data, "L", factor=factor).array, _pillow_read(data, factor, monkeypatch))


@pytest.mark.parametrize("bits", [8, 1])
def test_image_data_split_by_another_chunk_is_refused_as_before(bits: int) -> None:
    """IDAT chunks must follow one another (PNG spec. 5.6); a tEXt chunk between two of them made Pillow's path
    stop there and refuse the file, while the fast path joined them and passed it (the session-26 tester): the
    fast path takes no such file, and it is refused on every path."""
    whole = _filtered_png(_page() if bits == 8 else _bilevel_page(), [1, 2, 4], bits)
    stream = b"".join(whole[i : i + n] for kind, i, n in pngdata._chunks(whole) if kind == b"IDAT")
    half = len(stream) // 2
    data = (
        whole[:33]
        + _chunk(b"IDAT", stream[:half])
        + _chunk(b"tEXt", b"Comment\x00split")
        + _chunk(b"IDAT", stream[half:])
        + _chunk(b"IEND", b"")
    )
    w, h = (217, 301) if bits == 8 else (141, 203)
    assert pngdata.scanlines(data, w, h, bits) is None
    for read in (partial(imagefile.read, data, "L"), partial(imagefile.read, data, "RGB"), partial(qc.check, data)):
        with pytest.raises(QCInputError) as e:
            read()
        assert e.value.code == "corrupt"
