"""The delivered page: a processed copy of a master image, made from what qc.check measured.

DA/T 31-2017 §10 (image processing keeps the original's appearance): the page is perspective-corrected and
cropped to the paper outline qc found (qc.outline: four sub-pixel sides), with a small even margin so that the
page's own edge is kept; without a trusted outline it is deskewed by the measured angle on a canvas grown to fit
(nothing cut), and where a mat was seen but the outline is uncertain the page is marked for a look. Colour is
kept (no binarisation, §9.3); the resolution measured from the paper's size is written into the file (§9.4); the
EXIF orientation is applied; a JPEG's ICC profile is kept, everything else is tagged sRGB (the image policy,
qc.imagefile, reads it as sRGB). One format per delivery (§9.5): JPEG, lossless TIFF/Deflate, or lossless JPEG
2000 when the installed Pillow can write it.

A camera JPEG is decoded and encoded by libjpeg-turbo through `simplejpeg` (straight to and from a numpy array,
no copy through a Pillow image), so that making the copy costs less than an ordinary full-resolution colour decode
with Pillow (bench/processing.py); damaged compressed data is refused as the check refuses it (qc.jpegdata).

`process()` is a pure function of the master's bytes, the QC metrics and the Settings, with picklable arguments
and result: it runs in the server's worker pool. `Settings.fingerprint()` changes whenever the output would.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, features

from qc import jpegdata
from qc.checker import deskew
from qc.icc import for_mode
from qc.imagefile import DEFAULT_LIMITS, Limits, _open, probe, read, upright
from qc.jp2box import box, header_boxes, with_header_boxes

# Raise when the algorithm changes what it makes: every copy is made again. 2: a grey copy carries a grey ICC
# profile (not sRGB), a JPEG 2000 copy its ICC profile.
PROCESSING_VERSION = 2
FORMATS = {
    "jpeg": ("JPEG", "image/jpeg", ".jpg"),
    "tiff": ("TIFF", "image/tiff", ".tif"),
    "jp2": ("JPEG2000", "image/jp2", ".jp2"),
}
MIN_DESKEW_DEG = 0.05  # below this a rotation would only soften the page


def jp2_available() -> bool:
    """Whether the installed Pillow (OpenJPEG) can write JPEG 2000."""
    return bool(features.check("jpg_2000"))


@dataclass(frozen=True)
class Settings:
    """How processed copies are made: format ("jpeg", "tiff", "jp2"), JPEG quality (1-95), margin around the
    page in millimetres, and the paper size (mm) that turns the outline into a resolution."""

    format: str = "jpeg"
    jpeg_quality: int = 85
    margin_mm: float = 3.0
    paper_mm: tuple[float, float] = (210.0, 297.0)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        if self.format == "jp2" and not jp2_available():
            raise ValueError("this Pillow cannot write JPEG 2000 (OpenJPEG missing)")
        if not 1 <= int(self.jpeg_quality) <= 95:
            raise ValueError("jpeg_quality must be 1-95")
        if not 0 <= float(self.margin_mm) <= 20:
            raise ValueError("margin_mm must be 0-20")
        object.__setattr__(self, "paper_mm", tuple(float(v) for v in self.paper_mm))

    def fingerprint(self) -> str:
        """16 hex digits naming everything that decides the output (settings and algorithm version)."""
        facts = {**asdict(self), "paper_mm": list(self.paper_mm), "version": PROCESSING_VERSION}
        if self.format != "jpeg":
            facts.pop("jpeg_quality")
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Processed:
    """A processed copy: its file bytes and the technical facts DA/T 31 §4 records for it."""

    data: bytes
    media_type: str
    width: int
    height: int
    dpi: float | None
    colour_mode: str  # "RGB" (sRGB or the kept ICC profile) or "L"
    bit_depth: int
    icc: str  # "kept", "srgb_assigned" or "grey_assigned" (qc.icc.for_mode)
    steps: list[dict[str, Any]] = field(default_factory=list)
    needs_look: bool = False
    fingerprint: str = ""


def _decode(data: bytes, limits: Limits) -> tuple[np.ndarray, str, bytes | None, int, bool]:
    """Full-size upright pixels, their mode ("RGB" or "L"), the ICC profile to keep, the orientation, and whether
    the source was a camera JPEG (its copy may be encoded by libjpeg-turbo)."""
    facts = probe(data, limits)
    if facts.format in ("JPEG", "MPO") and facts.mode in ("RGB", "L"):
        im = _open(data)  # the header only: the ICC profile
        icc = im.info.get("icc_profile")
        im.close()
        px = jpegdata.decode(data[: facts.main_end], "RGB" if facts.mode == "RGB" else "GRAY")  # damage: corrupt
        if px is not None:
            return upright(px, facts.orientation), facts.mode, icc, facts.orientation, True
        px = read(data, facts.mode, limits=limits, facts=facts).array  # type: ignore[arg-type]
        return px, facts.mode, icc, facts.orientation, False
    grey = facts.mode in ("1", "L", "LA", "I;16", "I;16B", "I;16L", "I")
    px = read(data, "L" if grey else "RGB", limits=limits, facts=facts)
    return px.array, "L" if grey else "RGB", None, facts.orientation, False


def _jfif(jpeg: bytes, dpi: float | None, icc: bytes) -> bytes:
    """A libjpeg-turbo JPEG with its JFIF density set to `dpi` and the ICC profile in APP2 segments (ICC.1:2010
    Annex B.4: "ICC_PROFILE\\0", sequence number, count, at most 65,519 bytes each)."""
    head = jpeg[:2]
    if jpeg[2:4] == b"\xff\xe0" and jpeg[6:11] == b"JFIF\x00":
        seg_len = int.from_bytes(jpeg[4:6], "big")
        app0 = bytearray(jpeg[2 : 4 + seg_len])
        rest = jpeg[4 + seg_len :]
    else:
        app0 = bytearray(b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        rest = jpeg[2:]
    if dpi:
        d = max(1, min(65535, int(round(dpi))))
        app0[11] = 1  # units: dots per inch
        app0[12:14] = d.to_bytes(2, "big")
        app0[14:16] = d.to_bytes(2, "big")
    chunks = [icc[i : i + 65519] for i in range(0, len(icc), 65519)]
    app2 = b"".join(
        b"\xff\xe2" + (len(c) + 16).to_bytes(2, "big") + b"ICC_PROFILE\x00" + bytes([n + 1, len(chunks)]) + c
        for n, c in enumerate(chunks)
    )
    return head + bytes(app0) + app2 + rest


def _num(metrics: dict[str, Any], key: str) -> float | None:
    v = metrics.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else None


def page_geometry(
    corners: np.ndarray, settings: Settings, known_dpi: float | None = None
) -> tuple[np.ndarray, tuple[int, int], float, int]:
    """For outline corners (tl, tr, br, bl; pixels): the homography onto an upright rectangle with an even
    margin, the output size (w, h), the page's resolution (dpi) and the margin in pixels. The resolution is
    `known_dpi` when given (a fixed stand's, whatever the sheet's size), else the outline's as a sheet of
    settings.paper_mm."""
    c = corners.astype(np.float64)
    w = (np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2
    h = (np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])) / 2
    short_in, long_in = min(settings.paper_mm) / 25.4, max(settings.paper_mm) / 25.4
    dpi = known_dpi or math.sqrt(max(w, h) / long_in * min(w, h) / short_in)
    m = int(round(settings.margin_mm / 25.4 * dpi))
    dst = np.array([[m, m], [m + w, m], [m + w, m + h], [m, m + h]], np.float64)
    hom = cv2.getPerspectiveTransform(c.astype(np.float32), dst.astype(np.float32))
    return hom, (int(round(w)) + 2 * m, int(round(h)) + 2 * m), dpi, m


def _jp2_header(jp2: bytes, dpi: float | None, icc: bytes) -> bytes:
    """A JP2 file whose header box carries the ICC profile and the capture resolution, which Pillow's writer
    cannot write. ISO/IEC 15444-1 Annex I: the 'colr' box (I.5.3.3) says METH 2, a restricted ICC profile (a
    matrix/TRC or monochrome one, as sRGB and qc.icc.grey are), in place of Pillow's enumerated sRGB/greyscale
    (a reader uses the first 'colr' box only); a 'res ' box holding 'resc' (I.5.3.7) gives pixels per metre."""
    boxes = header_boxes(jp2)
    if not boxes:
        return jp2
    colr = box(b"colr", bytes([2, 0, 0]) + icc)  # METH 2, PREC 0, APPROX 0
    res = b""
    if dpi:
        ppm = max(1, min(65535, int(round(dpi / 0.0254))))
        resc = ppm.to_bytes(2, "big") + b"\x00\x01" + ppm.to_bytes(2, "big") + b"\x00\x01\x00\x00"
        res = box(b"res ", box(b"resc", resc))
    rest = [b for b in boxes[1:] if b[4:8] != b"colr"]
    return with_header_boxes(jp2, [boxes[0], colr, *rest, res])  # ihdr first (I.5.3), then the colour


def _encode(px: np.ndarray, mode: str, settings: Settings, dpi: float | None, icc: bytes, turbo: bool) -> bytes:
    h, w = px.shape[:2]
    if settings.format == "jpeg" and turbo and jpegdata.turbo() is not None:
        grey = mode == "L"
        out = jpegdata.turbo().encode_jpeg(
            np.ascontiguousarray(px[..., None] if grey else px),
            quality=int(settings.jpeg_quality),
            colorspace="GRAY" if grey else "RGB",
            colorsubsampling="Gray" if grey else "420",
        )
        return _jfif(out, dpi, icc)
    im = Image.frombuffer(mode, (w, h), np.ascontiguousarray(px), "raw", mode, 0, 1)
    fmt = FORMATS[settings.format][0]
    kw: dict[str, Any] = {"icc_profile": icc}
    if dpi:
        kw["dpi"] = (round(dpi, 2), round(dpi, 2))
    if fmt == "JPEG":
        kw.update(quality=int(settings.jpeg_quality), subsampling="4:2:0" if mode != "L" else 0)
    elif fmt == "TIFF":
        kw["compression"] = "tiff_adobe_deflate"
    else:
        kw["irreversible"] = False  # lossless 5/3 wavelet
    out = io.BytesIO()
    im.save(out, fmt, **kw)
    return _jp2_header(out.getvalue(), dpi, icc) if fmt == "JPEG2000" else out.getvalue()


def process(
    data: bytes, metrics: dict[str, Any], settings: Settings | None = None, limits: Limits = DEFAULT_LIMITS
) -> Processed:
    """The processed copy of a master image from qc.check's metrics of it (page_corners, outline_certain,
    skew_deg, full_frame, dpi). Raises QCInputError for a file the image policy refuses."""
    settings = settings or Settings()
    px, mode, icc, orientation, turbo = _decode(data, limits)
    steps: list[dict[str, Any]] = [{"step": "orientation", "exif_orientation": orientation}]
    corners = metrics.get("page_corners")
    needs_look = False
    if corners is not None and metrics.get("outline_certain"):
        quad = np.array(corners, np.float64)
        stand = _num(metrics, "dpi") if metrics.get("dpi_source") == "stand" else None  # an A5 slip is no A4
        hom, size, dpi, margin = page_geometry(quad, settings, stand)
        px = cv2.warpPerspective(px, hom, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        steps.append(
            {
                "step": "perspective_crop",
                "corners": np.round(quad, 1).tolist(),
                "margin_mm": settings.margin_mm,
                "margin_px": margin,
                "interpolation": "bilinear",
            }
        )
        dpi_source = "stand" if stand else "page_outline"
    else:
        angle = _num(metrics, "skew_deg") or 0.0
        needs_look = corners is not None or not metrics.get("full_frame", True)  # a mat seen, no trusted outline
        if abs(angle) >= MIN_DESKEW_DEG:
            px = deskew(px, angle)
            steps.append({"step": "deskew", "angle_deg": round(angle, 3), "source": metrics.get("skew_source")})
        steps.append({"step": "full_frame_kept", "reason": "outline_uncertain" if needs_look else "no_outline"})
        dpi = _num(metrics, "dpi")
        measured = "stand" if metrics.get("dpi_source") == "stand" else "measured"
        dpi_source = measured if dpi and metrics.get("dpi_from_page") else "file" if dpi else None
    profile, icc_state = for_mode("L" if mode == "L" else "RGB", icc)
    out = _encode(px, mode, settings, dpi, profile, turbo)
    steps.append({"step": "resolution", "dpi": None if dpi is None else round(dpi, 1), "source": dpi_source})
    steps.append({"step": "colour", "mode": "L" if mode == "L" else "RGB", "icc": icc_state})
    enc: dict[str, Any] = {"step": "encode", "format": settings.format}
    if settings.format == "jpeg":
        enc["quality"] = settings.jpeg_quality
    else:
        enc["lossless"] = True
    steps.append(enc)
    return Processed(
        data=out,
        media_type=FORMATS[settings.format][1],
        width=int(px.shape[1]),
        height=int(px.shape[0]),
        dpi=None if dpi is None else round(dpi, 1),
        colour_mode="L" if mode == "L" else "RGB",
        bit_depth=8,
        icc=icc_state,
        steps=steps,
        needs_look=needs_look,
        fingerprint=settings.fingerprint(),
    )
