"""Barcode images as inline SVG: Code 128 by python-barcode, QR by segno."""

import io
import re

import barcode
import segno
from barcode.writer import SVGWriter

_HEAD = re.compile(r"^.*?(<svg\b)", re.S)


def code128_svg(value: str, *, module_mm: float = 0.33, height_mm: float = 12.0) -> str:
    """A Code 128 symbol of `value` (ASCII) as an <svg> element sized in mm, without human-readable text.

    Raises ValueError for characters Code 128 cannot carry (outside ASCII).
    """
    if not value.isascii():
        raise ValueError("Code 128 carries ASCII only")
    out = io.BytesIO()
    barcode.get("code128", value, writer=SVGWriter()).write(
        out, {"module_width": module_mm, "module_height": height_mm, "quiet_zone": 2.5, "write_text": False}
    )
    return _HEAD.sub(r"\1", out.getvalue().decode("utf-8"), count=1)


def qr_svg(value: str, *, size_mm: float = 20.0) -> str:
    """A QR symbol of `value` (error correction M, quiet zone 2 modules) as an <svg> element of size_mm square."""
    out = io.BytesIO()
    segno.make(value, error="m", micro=False).save(out, kind="svg", border=2, omitsize=True, xmldecl=False)
    return out.getvalue().decode("utf-8").replace("<svg ", f'<svg width="{size_mm}mm" height="{size_mm}mm" ', 1)
