"""Page images in every variant the image policy speaks of, each with the picture it must show upright.

A variant is encoded from an asymmetric page (a dark block top left, a red bar bottom right, a grey band at the
top), turned by the inverse of its EXIF orientation, so that read correctly it always shows that page upright.
`same_picture` compares what a step rendered with what the variant must show.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageCms

# What Pillow's exif_transpose does for each orientation, and the operation that undoes it.
_T = Image.Transpose
APPLY = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM, 5: _T.TRANSPOSE, 6: _T.ROTATE_270,
         7: _T.TRANSVERSE, 8: _T.ROTATE_90}  # fmt: skip
UNDO = {**APPLY, 6: _T.ROTATE_90, 8: _T.ROTATE_270}

FORMAT_MODES = {
    "JPEG": ("RGB", "L", "CMYK"),
    "MPO": ("RGB",),
    "PNG": ("RGB", "L", "1", "P", "PT", "RGBA", "LA", "I;16", "RGB16"),
    "TIFF": ("RGB", "L", "1", "I;16", "RGBA", "CMYK", "RGB16"),
}
TIFF_COMPRESSIONS = (None, "tiff_lzw", "tiff_adobe_deflate", "packbits")


def page_rgb(width: int, height: int) -> np.ndarray:
    """An asymmetric page, RGB uint8, (height, width, 3)."""
    a = np.full((height, width, 3), 236, np.uint8)
    a[: max(1, height // 12)] = (160, 160, 160)
    a[height // 6 : height // 2, width // 10 : width // 2] = (25, 25, 25)
    a[int(height * 0.65) : int(height * 0.8), int(width * 0.55) : int(width * 0.92)] = (190, 30, 30)
    return a


@dataclass(frozen=True)
class Variant:
    """One way a page image may arrive."""

    fmt: str  # JPEG MPO PNG TIFF
    mode: str  # see FORMAT_MODES ("PT": palette with transparency, "RGB16": 16-bit RGB)
    orientation: int | str = 1  # EXIF orientation written; 0, 9, 255 and "garbage" are invalid (upright)
    size: tuple[int, int] = (120, 160)
    frames: int = 1
    trailing: bytes = b""
    progressive: bool = False
    icc: bool = False
    compression: str | None = None  # TIFF
    cut: bool = False  # the last third of the file is missing

    @property
    def expected_refusal(self) -> str | None:
        """The policy's refusal code for this variant, None when it must be accepted."""
        if self.cut:
            return "truncated"
        if self.frames > 1 and self.fmt in ("PNG", "TIFF"):
            return "multi_page"
        return None


def _content(v: Variant) -> tuple[Image.Image | np.ndarray, np.ndarray]:
    """(what is encoded, upright, the RGB picture it must show upright)."""
    w, h = v.size
    rgb = page_rgb(w, h)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if v.mode == "RGB":
        return Image.fromarray(rgb), rgb
    if v.mode == "L":
        return Image.fromarray(grey), np.dstack([grey] * 3)
    if v.mode == "1":
        bw = Image.fromarray(grey).point(lambda x: 255 if x > 128 else 0).convert("1")
        return bw, np.asarray(bw.convert("RGB"))
    if v.mode in ("P", "PT"):
        pal = Image.fromarray(rgb).quantize(8)
        want = np.asarray(pal.convert("RGB")).copy()
        if v.mode == "PT":  # the most common colour (the paper) is transparent: white once composited
            paper = int(np.bincount(np.asarray(pal).ravel()).argmax())
            pal.info["transparency"] = paper
            want[np.asarray(pal) == paper] = 255
        return pal, want
    if v.mode in ("RGBA", "LA"):
        alpha = np.full((h, w), 255, np.uint8)
        alpha[h // 6 : h // 3, w // 10 : w // 3] = 0  # part of the dark block is transparent: white paper shows
        base = rgb if v.mode == "RGBA" else np.dstack([grey] * 3)
        want = base.copy()
        want[alpha == 0] = 255
        if v.mode == "RGBA":
            return Image.fromarray(np.dstack([rgb, alpha])), want
        return Image.fromarray(np.dstack([grey, alpha]), "LA"), want
    if v.mode == "I;16":
        return Image.fromarray(grey.astype(np.uint16) * 257), np.dstack([grey] * 3)
    if v.mode == "RGB16":
        return rgb.astype(np.uint16) * 257, rgb  # written by OpenCV (Pillow cannot write 16-bit RGB)
    if v.mode == "CMYK":
        cmyk = Image.fromarray(rgb).convert("CMYK")
        return cmyk, np.asarray(cmyk.convert("RGB"))
    raise ValueError(v.mode)


def _turn(content: Image.Image | np.ndarray, orientation: int | str) -> Image.Image | np.ndarray:
    if not isinstance(orientation, int) or orientation not in UNDO:
        return content
    if isinstance(content, np.ndarray):
        return _np_undo(content, orientation)
    return content.transpose(UNDO[orientation])


def _np_undo(a: np.ndarray, orientation: int) -> np.ndarray:
    chans = [np.asarray(Image.fromarray(a[..., c]).transpose(UNDO[orientation])) for c in range(a.shape[2])]
    return np.dstack(chans)


def exif_bytes(orientation: int | str) -> bytes:
    """An EXIF block (as Pillow's exif= takes it) whose Orientation is the given value."""
    if orientation == "garbage":  # one IFD entry: Orientation as the text "abc"
        return b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x02\x00\x04\x00\x00\x00abc\x00\x00\x00\x00\x00"
    ex = Image.Exif()
    ex[0x0112] = int(orientation)
    return ex.tobytes()


def _png_with_exif(png: bytes, exif: bytes) -> bytes:
    body = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + body) & 0xFFFFFFFF)
    i = png.index(b"IDAT") - 4
    return png[:i] + chunk + png[i:]


def encode(v: Variant) -> tuple[bytes, np.ndarray]:
    """The variant's file bytes and the RGB picture it must show upright."""
    if v.mode == "RGB16" and (v.frames > 1 or (v.fmt == "TIFF" and v.orientation != 1)):
        raise ValueError("OpenCV writes a 16-bit RGB file with one frame, and a TIFF without orientation")
    if v.fmt == "TIFF" and (v.orientation not in UNDO and v.orientation != 1) and v.compression:
        raise ValueError("libtiff refuses to write an invalid orientation into a compressed TIFF")
    content, want = _content(v)
    stored = _turn(content, v.orientation)
    exif = exif_bytes(v.orientation) if v.orientation != 1 else None
    out = io.BytesIO()
    if isinstance(stored, np.ndarray):  # 16-bit RGB through OpenCV
        ok, buf = cv2.imencode(".png" if v.fmt == "PNG" else ".tiff", cv2.cvtColor(stored, cv2.COLOR_RGB2BGR))
        assert ok
        data = buf.tobytes()
        if exif and v.fmt == "PNG":
            data = _png_with_exif(data, exif)  # (a 16-bit RGB TIFF is only made upright, without the tag)
    else:
        kw: dict = {}
        if v.icc and stored.mode in ("RGB", "L", "CMYK"):
            kw["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        if v.fmt in ("JPEG", "MPO"):
            if exif:
                kw["exif"] = exif
            if v.fmt == "MPO" or v.frames > 1:
                extra = stored.copy()
                extra.thumbnail((max(8, v.size[0] // 4), max(8, v.size[1] // 4)))
                stored.save(out, "MPO", quality=92, save_all=True, append_images=[extra], **kw)
            else:
                stored.save(out, "JPEG", quality=92, progressive=v.progressive, **kw)
        elif v.fmt == "PNG":
            if exif:
                kw["exif"] = exif
            if v.frames > 1:
                stored.save(out, "PNG", save_all=True, append_images=[stored.copy()], **kw)
            else:
                stored.save(out, "PNG", **kw)
        else:
            comp = "group4" if stored.mode == "1" and v.compression else v.compression
            if comp:
                kw["compression"] = comp
            if isinstance(v.orientation, int) and v.orientation != 1:
                kw["tiffinfo"] = {274: v.orientation}
            if v.frames > 1:
                stored.save(out, "TIFF", save_all=True, append_images=[stored.copy()], **kw)
            else:
                stored.save(out, "TIFF", **kw)
        data = out.getvalue()
    if v.cut:
        data = data[: len(data) * 2 // 3]
    return data + v.trailing, want


def rgb_of(data: bytes) -> np.ndarray:
    """A file decoded plainly (no orientation, no policy): what a browser shows of a browser-safe file."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def pdf_pages(pdf: bytes, width: int = 200) -> list[np.ndarray]:
    """Each page of a PDF rendered (PDFium) to RGB at about `width` pixels wide."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in doc:
            scale = width / page.get_width()
            pages.append(np.asarray(page.render(scale=scale).to_pil().convert("RGB")))
            page.close()
        return pages
    finally:
        doc.close()


def same_picture(got: np.ndarray, want: np.ndarray) -> tuple[bool, str]:
    """Whether `got` shows `want`: same aspect (upright), not blank, and close pixel by pixel at 40×40."""
    gh, gw = got.shape[:2]
    wh, ww = want.shape[:2]
    if abs(gh / gw - wh / ww) > 0.06 * (wh / ww):
        return False, f"aspect {gw}x{gh} against {ww}x{wh} (turned or clipped)"
    g = cv2.cvtColor(np.ascontiguousarray(got[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    t = cv2.cvtColor(np.ascontiguousarray(want[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    g = cv2.resize(g, (40, 40), interpolation=cv2.INTER_AREA)
    t = cv2.resize(t, (40, 40), interpolation=cv2.INTER_AREA)
    if g.std() < 5:
        return False, f"blank (std {g.std():.1f}, mean {g.mean():.0f})"
    diff = float(np.abs(g - t).mean())
    corr = float(np.corrcoef(g.ravel(), t.ravel())[0, 1])
    return (diff < 18 and corr > 0.9), f"mean difference {diff:.1f}, correlation {corr:.3f}"
