"""ICC profiles of the processed copies (issue 16): sRGB for colour, a grey profile for greyscale.

An ICC profile's colour space must match the image's channels (ICC.1:2010 §7.2.6; a JPEG reader applies an
APP2 profile to the decoded components): an RGB profile on a one-channel JPEG is invalid, and readers either
ignore it or refuse the file. lcms (Pillow's ImageCms) builds sRGB but no grey profile, so the grey one is
written here: an ICC v2 monochrome display profile (header, desc, cprt, wtpt D50, kTRC with the sRGB tone
curve — what "sGrey" means), checked by lcms itself in tests/qc/test_icc.py.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from PIL import ImageCms

FIXED_DATE = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # a copy made again is the same file
D50 = (0.9642, 1.0, 0.8249)  # the PCS illuminant, ICC.1:2010 §7.2.16


def colour_space(icc: bytes | None) -> str | None:
    """The profile's data colour space signature, stripped ("RGB", "GRAY", "CMYK", "Lab"...), or None when the
    bytes are not an ICC profile (header shorter than 128 bytes or without the 'acsp' signature)."""
    if not icc or len(icc) < 128 or icc[36:40] != b"acsp":
        return None
    return icc[16:20].decode("latin-1").strip()


@lru_cache(maxsize=1)
def srgb() -> bytes:
    """lcms's sRGB profile with a fixed creation date (ICC.1 header bytes 24-35; the profile ID stays zero), so the
    same master always makes the same copy: a copy made again must have the SHA-256 it was stored under."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = FIXED_DATE
    return bytes(icc)


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _srgb_trc(n: int = 1024) -> list[int]:
    """The sRGB tone curve (IEC 61966-2-1 §5.2: encoded value to linear light) as n 16-bit samples."""
    out = []
    for i in range(n):
        v = i / (n - 1)
        lin = v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        out.append(int(round(lin * 65535)))
    return out


def _pad(b: bytes) -> bytes:
    return b + b"\x00" * (-len(b) % 4)


@lru_cache(maxsize=1)
def grey() -> bytes:
    """An ICC v2 grey profile (class 'mntr', colour space 'GRAY', PCS XYZ) whose tone curve is sRGB's: a grey
    copy's pixel values mean what the same values mean in each channel of an sRGB copy. Fixed bytes."""
    text = b"Folio grey (sRGB tone curve, D50)"
    desc = b"desc" + b"\x00" * 4 + struct.pack(">I", len(text) + 1) + text + b"\x00"
    desc += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\x00" * 67  # no Unicode, no ScriptCode text
    cprt = b"text" + b"\x00" * 4 + b"No copyright, use freely\x00"
    wtpt = b"XYZ " + b"\x00" * 4 + b"".join(_s15(v) for v in D50)
    trc = _srgb_trc()
    ktrc = b"curv" + b"\x00" * 4 + struct.pack(">I", len(trc)) + struct.pack(f">{len(trc)}H", *trc)
    tags = [(b"desc", desc), (b"cprt", cprt), (b"wtpt", wtpt), (b"kTRC", ktrc)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += _pad(data)
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\x00" * 4  # preferred CMM: none
        + bytes([2, 0x10, 0, 0])  # version 2.1.0
        + b"mntr"
        + b"GRAY"
        + b"XYZ "
        + FIXED_DATE
        + b"acsp"
        + b"\x00" * 4  # primary platform: none
        + b"\x00" * 4  # flags
        + b"\x00" * 8  # device manufacturer, model
        + b"\x00" * 8  # device attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(_s15(v) for v in D50)
        + b"\x00" * 4  # creator
    )
    header += b"\x00" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


def for_mode(mode: str, icc: bytes | None) -> tuple[bytes, str]:
    """The profile a processed copy in `mode` ("L" or "RGB") carries and its state: the source's own when its
    colour space matches the channels ("kept"), else "grey_assigned" (the grey profile above) for "L" and
    "srgb_assigned" for "RGB". A source profile of another colour space (an RGB profile in a greyscale file) is
    dropped: it cannot describe the copy."""
    want = "GRAY" if mode == "L" else "RGB"
    if colour_space(icc) == want:
        return icc, "kept"  # type: ignore[return-value]
    return (grey(), "grey_assigned") if mode == "L" else (srgb(), "srgb_assigned")
