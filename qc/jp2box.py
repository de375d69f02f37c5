"""The boxes of a JP2 file's header (ISO/IEC 15444-1 Annex I), for the few boxes Pillow's writer cannot write."""

from __future__ import annotations


def box(kind: bytes, payload: bytes) -> bytes:
    """One box: 4-byte length, 4-byte type, payload (I.4)."""
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _boxes(data: bytes) -> list[tuple[int, int, bytes]] | None:
    """(offset, length, type) of each box in data; None when a length is not one a writer makes (< 8)."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 8:
            return None
        out.append((pos, size, data[pos + 4 : pos + 8]))
        pos += size
    return out


def header_boxes(jp2: bytes) -> list[bytes] | None:
    """The boxes inside the JP2 header box ('jp2h'), each whole (length and type included), in file order; None
    when the file has no readable header box."""
    for pos, size, kind in _boxes(jp2) or []:
        if kind == b"jp2h":
            inner = jp2[pos + 8 : pos + size]
            found = _boxes(inner)
            return None if found is None else [inner[p : p + n] for p, n, _ in found]
    return None


def with_header_boxes(jp2: bytes, boxes: list[bytes]) -> bytes:
    """The JP2 file with its header box holding these boxes instead (the file unchanged if it has no header)."""
    for pos, size, kind in _boxes(jp2) or []:
        if kind == b"jp2h":
            return jp2[:pos] + box(b"jp2h", b"".join(boxes)) + jp2[pos + size :]
    return jp2
