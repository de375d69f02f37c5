"""Where a page image's main stream ends, read from its structure (never from a marker found somewhere).

A JPEG is walked segment by segment: APPn blocks (an EXIF thumbnail carries its own end-of-image marker) are
skipped by their stated length, the entropy-coded data is read to its next marker, and the image ends at the
EOI that follows its last scan; when an MPF index (MPO cameras) lists further images, the file ends when the
last of them has. A PNG ends with its IEND chunk. A classic TIFF ends when every IFD and every strip or tile it
points to is inside the file. Used by the capture station to tell a finished file from one still being written,
and by the upload check to tell a whole file from a cut one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

import numpy as np

JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
MAX_IFDS = 10_000  # a chain longer than this is not a page scan

State = Literal["complete", "incomplete", "malformed", "unknown"]


@dataclass(frozen=True)
class StreamEnd:
    """The result of walking a file's structure.

    state: "complete" (the main stream, and any image an MPF index lists, is whole), "incomplete" (the bytes
    stop inside it: still being written, or cut), "malformed" (the structure is wrong where it is present),
    "unknown" (not a JPEG, PNG or TIFF). main_end: byte offset just after the main image stream (JPEG EOI,
    PNG IEND chunk, end of the TIFF's last referenced byte); file_end: after every listed image (≥ main_end).
    frames: PNG animation frames (acTL) or TIFF IFDs in the chain; extra_images: MPF images after the main one.
    """

    state: State
    main_end: int = 0
    file_end: int = 0
    frames: int = 1
    extra_images: int = 0
    bit_depth: int = 8  # PNG IHDR bit depth / largest TIFF BitsPerSample; 8 for JPEG
    exif_chunk: tuple[int, int] | None = None  # PNG: (offset, length) of the eXIf chunk's data

    @property
    def complete(self) -> bool:
        """True when the file is whole."""
        return self.state == "complete"


def stream_end(data: bytes) -> StreamEnd:
    """Walk a JPEG, PNG or TIFF file's structure and say whether (and where) it ends; never raises."""
    try:
        if data.startswith(JPEG_SOI):
            return _jpeg(data)
        if data.startswith(PNG_SIGNATURE):
            return _png(data)
        if data[:4] in TIFF_MAGIC:
            return _tiff(data)
        if len(data) < 8 and any(m.startswith(data) for m in (JPEG_SOI, PNG_SIGNATURE, *TIFF_MAGIC)) and data:
            return StreamEnd("incomplete")
    except (IndexError, struct.error, ValueError):
        return StreamEnd("malformed")
    return StreamEnd("unknown")


def _zeros(data: bytes, start: int) -> bool:
    """Only zero bytes from `start` on: space a writer allocated and has not filled yet (or a cut file padded)."""
    return data.count(0, start) == len(data) - start


# ---- JPEG -------------------------------------------------------------------------------------------------------

_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length
# inside entropy-coded data, 0xFF 0x00 is a stuffed byte and 0xFF 0xD0-D7 a restart marker; any other 0xFF xx is
# the next marker (ITU-T T.81, B.1.1.5 and F.1.2.3)
_MARKER_CHUNK = 1 << 20  # bytes of entropy-coded data looked at per step (a marker is usually in the first)


def _next_marker(data: bytes, start: int) -> int:
    """Offset of the first 0xFF at or after `start` that begins a marker (is followed by a byte other than 0x00
    or D0-D7), or -1 when the data ends first. Looked for with numpy over chunks of the buffer, without a copy:
    the 0xFF bytes are found in one pass and only their successors are tested (as fast as one C-level regex
    scan for a stuffed-byte-free stretch, and faster on camera files)."""
    arr = np.frombuffer(data, np.uint8)
    n, pos = len(arr), start
    while pos < n - 1:
        end = min(n, pos + _MARKER_CHUNK + 1)  # one byte beyond the chunk: the successor of its last byte
        seg = arr[pos:end]
        ff = np.flatnonzero(seg[:-1] == 0xFF)
        if len(ff):
            after = seg[ff + 1]
            hit = ff[(after != 0) & ((after < 0xD0) | (after > 0xD7))]
            if len(hit):
                return pos + int(hit[0])
        pos = end - 1
    return -1


def jpeg_main_end(data: bytes, start: int = 0) -> tuple[State, int, tuple[int, int] | None]:
    """(state, offset after the EOI of the JPEG starting at `start`, MPF header (offset, length) if any)."""
    n = len(data)
    if data[start : start + 2] != JPEG_SOI:
        return ("incomplete" if n - start < 2 else "malformed"), 0, None
    i, scans, mpf = start + 2, 0, None
    while True:
        if i >= n:
            return "incomplete", 0, mpf
        if data[i] != 0xFF:
            return ("incomplete" if _zeros(data, i) else "malformed"), 0, mpf
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            return "incomplete", 0, mpf
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI
            return ("complete" if scans else "malformed"), i, mpf
        if marker in _STANDALONE:
            continue
        if marker in (0x00, 0xD8):
            return "malformed", 0, mpf
        if i + 2 > n:
            return "incomplete", 0, mpf
        length = (data[i] << 8) | data[i + 1]
        if length < 2:
            return "malformed", 0, mpf
        seg_end = i + length
        if seg_end > n:
            return "incomplete", 0, mpf
        if marker == 0xE2 and data[i + 2 : i + 6] == b"MPF\x00":
            mpf = (i + 6, length - 6)
        i = seg_end
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            scans += 1
            i = _next_marker(data, i)  # one vectorised scan, not a Python step per stuffed 0xFF
            if i < 0:
                return "incomplete", 0, mpf


def _mpf_images(data: bytes, base: int, length: int) -> list[tuple[int, int]]:
    """(absolute offset, size) of each image after the first listed in an MPF index (CIPA DC-007)."""
    head = data[base : base + length]
    if head[:4] not in TIFF_MAGIC:
        return []
    e = "<" if head[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(e + "I", head, 4)
    (count,) = struct.unpack_from(e + "H", head, ifd)
    for k in range(count):
        tag, _typ, cnt, value = struct.unpack_from(e + "HHII", head, ifd + 2 + 12 * k)
        if tag == 0xB002:  # MPEntry: 16 bytes per image
            out = []
            for m in range(cnt // 16):
                _attr, size, offset, _d1, _d2 = struct.unpack_from(e + "IIIHH", head, value + 16 * m)
                if offset:
                    out.append((base + offset, size))
            return out
    return []


def _jpeg(data: bytes) -> StreamEnd:
    state, main_end, mpf = jpeg_main_end(data)
    if state != "complete":
        return StreamEnd(state)
    file_end, extras = main_end, 0
    if mpf is not None:
        for offset, size in _mpf_images(data, *mpf):
            if offset + size > len(data):
                return StreamEnd("incomplete", main_end)
            sub_state, sub_end, _ = jpeg_main_end(data, offset)
            if sub_state == "incomplete":
                return StreamEnd("incomplete", main_end)
            extras += 1
            file_end = max(file_end, sub_end if sub_state == "complete" else offset + size)
    return StreamEnd("complete", main_end, file_end, 1, extras, 8)


# ---- PNG --------------------------------------------------------------------------------------------------------


def _png(data: bytes) -> StreamEnd:
    i, n, frames, depth, exif = 8, len(data), 1, 8, None
    while True:
        if i + 8 > n:
            return StreamEnd("incomplete")
        (length,) = struct.unpack_from(">I", data, i)
        ctype = data[i + 4 : i + 8]
        if length > 0x7FFFFFFF or not ctype.isalpha():
            return StreamEnd("incomplete" if _zeros(data, i) else "malformed")
        end = i + 12 + length
        if end > n:
            return StreamEnd("incomplete")
        if ctype == b"IHDR":
            depth = data[i + 16]
        elif ctype == b"acTL":
            (frames,) = struct.unpack_from(">I", data, i + 8)
        elif ctype == b"eXIf":
            exif = (i + 8, length)
        elif ctype == b"IEND":
            return StreamEnd("complete", end, end, max(1, frames), 0, depth, exif)
        i = end


# ---- TIFF -------------------------------------------------------------------------------------------------------

_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_DATA_PAIRS = ((273, 279), (324, 325))  # (StripOffsets, StripByteCounts), (TileOffsets, TileByteCounts)


def _tiff(data: bytes) -> StreamEnd:
    n = len(data)
    if n < 8:
        return StreamEnd("incomplete")
    e = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(e + "I", data, 4)
    end, frames, depth, seen = 8, 0, 1, set()
    while ifd:
        if ifd in seen or len(seen) >= MAX_IFDS or ifd < 8:
            return StreamEnd("malformed")
        seen.add(ifd)
        if ifd + 2 > n:
            return StreamEnd("incomplete")
        (count,) = struct.unpack_from(e + "H", data, ifd)
        table_end = ifd + 2 + 12 * count + 4
        if table_end > n:
            return StreamEnd("incomplete")
        end = max(end, table_end)
        values: dict[int, list[int]] = {}
        for k in range(count):
            pos = ifd + 2 + 12 * k
            tag, typ, cnt = struct.unpack_from(e + "HHI", data, pos)
            size = _TYPE_SIZE.get(typ, 1) * cnt
            where = pos + 8
            if size > 4:
                (where,) = struct.unpack_from(e + "I", data, pos + 8)
                if where + size > n:
                    return StreamEnd("incomplete")
                end = max(end, where + size)
            if tag in (258, 273, 279, 324, 325) and typ in (3, 4, 16):
                fmt = {3: "H", 4: "I", 16: "Q"}[typ]
                values[tag] = list(struct.unpack_from(e + fmt * cnt, data, where))
        depth = max([depth, *values.get(258, [1])])
        for off_tag, len_tag in _DATA_PAIRS:
            for off, ln in zip(values.get(off_tag, []), values.get(len_tag, []), strict=False):
                if off + ln > n:
                    return StreamEnd("incomplete")
                end = max(end, off + ln)
        frames += 1
        (ifd,) = struct.unpack_from(e + "I", data, table_end - 4)
    if frames == 0:  # the header's IFD offset is still 0: the writer fills it in last
        return StreamEnd("incomplete")
    return StreamEnd("complete", end, end, frames, 0, depth)
