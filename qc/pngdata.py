"""Decode a grey PNG scan, 8-bit or bilevel, fast: libdeflate inflates, numpy and Pillow undo the row filters.

A lossless scan's decode is most of the check's time. Pillow, OpenCV and libpng inflate a PNG's data with zlib and
undo its row filters (PNG spec. 9.2) byte by byte, and Pillow expands a bilevel scan to a byte per pixel before
it can be reduced. Here (bench/qc/stages.py, a 600 dpi A5 8-bit scan and an A4 bilevel one, CPU ms):
- the compressed data of every IDAT chunk is inflated in one call by libdeflate (imagecodecs.deflate_decode,
  3 ms where zlib-ng takes 29), into a buffer of exactly the size the header implies;
- rows filtered None, Sub or Up are undone by numpy a run of rows at a time; runs of Average or Paeth rows, whose
  every byte waits for the one before it, by Pillow's decoder, handed the row above them unfiltered;
- a bilevel scan stays packed, 8 pixels a byte: qc's area reduction by 2, 4 or 8 sums each block's white bits
  through lookup tables (8 ms where Pillow's expansion and OpenCV's reduction took 60).
The pixels are the same as Pillow's (PNG is lossless; the tests compare them over every filter type and reduction).
Anything this path does not take (interlaced, colour, 16-bit, palette, an alpha or ICC chunk, any chunk outside
_QUIET) or cannot decode (a bad CRC, data that inflates to more or less than the header says) is read by Pillow
as before, which also says why a file is damaged.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from functools import cache
from typing import Any

import cv2
import numpy as np
from PIL import Image

from qc.errors import QCInputError

# chunks a scanner writes that change no pixel of a grey image as qc reads it: any other (sBIT, hIST, tIME, zTXt,
# tRNS, iCCP, eXIf ...) sends the file to Pillow's path, which acts on it or says it is malformed
_QUIET = frozenset({b"IHDR", b"IDAT", b"IEND", b"pHYs", b"sRGB", b"gAMA", b"cHRM", b"tEXt"})
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # per colour type (PNG spec. 11.2.2)
# the Adam7 passes' first row and column, and their steps (PNG spec. 8.2): y0, x0, dy, dx
_ADAM7 = ((0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1))


def codecs() -> Any:
    """The imagecodecs module (libdeflate), or None where it is not installed: Pillow then decodes every PNG."""
    try:
        import imagecodecs
    except ImportError:  # pragma: no cover - a dependency of both distributions
        return None
    return imagecodecs if hasattr(imagecodecs, "deflate_decode") else None


def grey(data: bytes, width: int, height: int, bit_depth: int, factor: int = 1) -> np.ndarray | None:
    """A grey PNG of `width` x `height`, 8-bit or bilevel (`bit_depth` 8 or 1; bilevel 0 black, 1 white), as 8-bit
    grey reduced `factor` times per side by the area average cv2.INTER_AREA gives: uint8, shape (height // factor,
    width // factor); None when this path does not take the file (module docstring): the caller's Pillow path then
    reads it. The caller has checked the header against its limits."""
    rows = scanlines(data, width, height, bit_depth) if bit_depth in (1, 8) else None
    factor = max(1, min(factor, width, height))
    if rows is None or (bit_depth == 8 and factor == 1):
        return rows
    if bit_depth == 1 and factor in (2, 4, 8):
        return _reduce_packed(rows, width, height, factor)
    if bit_depth == 1:
        rows = np.unpackbits(rows, axis=1)[:, :width]
        np.multiply(rows, 255, out=rows)
        if factor == 1:
            return rows
    ow, oh = width // factor, height // factor
    return cv2.resize(rows[: oh * factor, : ow * factor], (ow, oh), interpolation=cv2.INTER_AREA)


def scanlines(data: bytes, width: int, height: int, bit_depth: int) -> np.ndarray | None:
    """The unfiltered rows of a plain, non-interlaced grey PNG (colour type 0) of `bit_depth` 1 or 8: uint8, shape
    (height, ceil(width * bit_depth / 8)), bilevel pixels packed most significant bit first; None when this path
    does not take the file or cannot decode it (module docstring)."""
    ic = codecs()
    stream = _plain_stream(data, width, height, bit_depth) if ic is not None else None
    if stream is None:
        return None
    row_bytes = (width * bit_depth + 7) // 8
    raw = np.empty(height * (row_bytes + 1), np.uint8)
    try:
        got = ic.deflate_decode(stream, out=raw)
    except Exception:  # noqa: BLE001 - imagecodecs raises its own error types; Pillow's path gives the verdict
        return None
    if len(got) != raw.size:
        return None
    return _unfilter(raw.reshape(height, row_bytes + 1))


def require_rows(data: bytes) -> None:
    """Refuse a PNG whose image data inflates to fewer bytes than the rows its header declares need (PNG spec. 7.1,
    8.2: the filtered scanlines of every row, or of every Adam7 pass). Pillow reads such a file without a word when
    the data stops at the end of a row, and gives the missing rows black: the bottom of a page lost at the door
    and found missing in the delivery. Data that cannot be inflated at all is left to the decoder to refuse.

    Raises QCInputError("corrupt") with the share of the data missing. The data is inflated by libdeflate into
    a buffer of the declared size (bounded by the policy's decoded-bytes limit, checked before), else counted by
    zlib in pieces.
    """
    if len(data) < 33 or not data.startswith(_SIGNATURE) or data[28] > 1 or data[25] not in _CHANNELS:
        return
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    bits = _CHANNELS[data[25]] * data[24]
    passes = _ADAM7 if data[28] else ((0, 0, 1, 1),)
    need = 0
    for y0, x0, dy, dx in passes:
        cols, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        need += rows * (1 + (cols * bits + 7) // 8) if cols > 0 and rows > 0 else 0
    got = _inflated_size(b"".join(data[i : i + n] for kind, i, n in _chunks(data) if kind == b"IDAT"), need)
    if got is not None and got < need:
        raise QCInputError(
            "corrupt", f"the image data stops short: {need - got:,} of its {need:,} bytes of rows are missing"
        )


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """`data`'s chunks walked by their headers (PNG spec. 5.3), up to IEND or the end of the data: (kind, offset of
    the body, its length)."""
    i = 8
    while i + 12 <= len(data):
        n, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
        yield kind, i + 8, n
        if kind == b"IEND":
            return
        i += 12 + n


def _inflated_size(stream: bytes, need: int) -> int | None:
    """Bytes `stream` (a zlib stream) inflates to, or need + 1 when it holds more than `need`; None: undecodable."""
    ic = codecs()
    try:
        if ic is not None:
            return len(ic.deflate_decode(stream, out=np.empty(need, np.uint8)))
        inflater, got = zlib.decompressobj(), 0
        while got <= need and not inflater.eof:
            piece = inflater.decompress(stream, 1 << 22)
            got, stream = got + len(piece), inflater.unconsumed_tail
            if not piece and not stream:
                break
        return got + (len(inflater.flush()) if got <= need else 0)
    except Exception as e:  # noqa: BLE001 - libdeflate's and zlib's errors
        return need + 1 if "INSUFFICIENT_SPACE" in str(e) else None


def _plain_stream(data: bytes, width: int, height: int, bit_depth: int) -> bytes | None:
    """The zlib stream of `data`'s IDAT chunks joined, when `data` is a PNG whose header says `width` x `height`,
    grey of `bit_depth`, not interlaced, that holds only _QUIET chunks with right CRCs and its IDAT chunks in one
    run, walked by their headers up to IEND (PNG spec. 5.3, 5.6, 11.2.2); otherwise None."""
    ihdr = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes((bit_depth, 0, 0, 0, 0))
    if len(data) < 33 or not data.startswith(_SIGNATURE) or data[12:29] != ihdr:
        return None
    parts: list[bytes] = []
    for kind, i, n in _chunks(data):
        crc = int.from_bytes(data[i + n : i + n + 4], "big")
        if kind not in _QUIET or i + n + 4 > len(data) or zlib.crc32(data[i - 4 : i + n]) != crc:
            return None
        if kind == b"IEND":
            return b"".join(parts)
        if kind == b"IDAT":
            parts.append(data[i : i + n])
        elif parts:  # IDAT chunks must be consecutive (PNG spec. 5.6): Pillow stops at the first other one
            return None
    return None


def _unfilter(filtered: np.ndarray) -> np.ndarray | None:
    """Undo the row filters (PNG spec. 9.2; one byte per pixel or less, so each filter looks one byte back) of
    `filtered`, shape (h, 1 + row bytes): each row's filter type, then its bytes. None for a filter type over 4."""
    kinds = filtered[:, 0]
    if int(kinds.max()) > 4:
        return None
    rows = filtered[:, 1:]
    out = np.empty(rows.shape, np.uint8)
    above = np.zeros(rows.shape[1], np.uint8)
    change = np.flatnonzero(np.diff(kinds)) + 1
    for start, end in zip([0, *change.tolist()], [*change.tolist(), len(kinds)], strict=True):
        kind = int(kinds[start])
        if kind == 0:  # None
            out[start:end] = rows[start:end]
        elif kind == 1:  # Sub: the byte to the left, a running sum along the row
            np.cumsum(rows[start:end], axis=1, dtype=np.uint8, out=out[start:end])
        elif kind == 2:  # Up: the byte above (a row at a time: numpy's running sum down a column is slower)
            for y in range(start, end):
                np.add(rows[y], above, out=out[y])
                above = out[y]
        else:  # Average, Paeth: byte after byte, left to right
            _pillow_rows(above, filtered[start:end], out[start:end])
        above = out[end - 1]
    return out


def _pillow_rows(above: np.ndarray, filtered: np.ndarray, out: np.ndarray) -> None:
    """Undo a run of rows' filters with Pillow's PNG decoder: the run, after `above` (the unfiltered row before it)
    as a row filtered None, in a stored zlib stream; `out` gets the run's unfiltered rows. The rows are decoded as
    8-bit grey one byte a pixel whatever their depth (a filter looks one byte back for both): a bilevel row's
    padding bits, whatever a writer left in them, stay as they are for the row below (Pillow's bilevel image
    would zero them: the session-26 tester's 1-bit files with padding set, a right-edge pixel wrong)."""
    n, row_bytes = out.shape
    block = np.empty((n + 1, row_bytes + 1), np.uint8)
    block[0, 0] = 0
    block[0, 1:] = above
    block[1:] = filtered
    im = Image.frombytes("L", (row_bytes, n + 1), codecs().deflate_encode(block, level=0), "zip", "L", 0)
    out[:] = np.asarray(im)[1:]


def _reduce_packed(rows: np.ndarray, width: int, height: int, factor: int) -> np.ndarray:
    """Bilevel rows, packed, reduced by `factor` 2, 4 or 8: each output pixel is its factor x factor block's white
    bits counted (a table gives a byte's counts, one per output pixel, in the bytes of one integer: summed over
    the block's rows, they are the output row's counts), then as grey (_area_grey)."""
    counts, oh = _bit_counts(factor), height // factor
    total = np.take(counts, rows[0 : oh * factor : factor])
    for i in range(1, factor):
        total += np.take(counts, rows[i : oh * factor : factor])
    return cv2.LUT(np.ascontiguousarray(total.view(np.uint8)[:, : width // factor]), _area_grey(factor))


@cache
def _bit_counts(factor: int) -> np.ndarray:
    """A 256-entry table: a byte's groups of `factor` bits, most significant first, each group's set bits in one
    byte of a little-endian integer of 8 // factor bytes (at most 8 x 8 = 64 summed: no byte overflows)."""
    groups = 8 // factor
    table = np.zeros(256, np.uint64)
    for k in range(groups):
        bits = (np.arange(256) >> (8 - factor * (k + 1))) & ((1 << factor) - 1)
        table |= np.array([bin(v).count("1") for v in bits], np.uint64) << np.uint64(8 * k)
    return table.astype({1: np.uint8, 2: np.uint16, 4: np.uint32}[groups]).astype(f"<u{groups}")


@cache
def _area_grey(factor: int) -> np.ndarray:
    """A 256-entry table: n white pixels (255) in a factor x factor block -> the grey cv2.INTER_AREA gives the
    block, asked of OpenCV itself so the two paths round alike."""
    lut = np.zeros(256, np.uint8)
    for n in range(factor * factor + 1):
        block = np.zeros(factor * factor, np.uint8)
        block[:n] = 255
        lut[n] = cv2.resize(block.reshape(factor, factor), (1, 1), interpolation=cv2.INTER_AREA)[0, 0]
    return lut
