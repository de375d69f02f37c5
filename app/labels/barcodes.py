"""Barcode symbols as inline SVG: Code 128 by python-barcode, QR by segno.

Both come out scalable (a viewBox) and styled by presentation attributes only (fill=, stroke=), so they render
the same inline in a page served under Folio's CSP (no style attributes allowed) and in chromium's PDF printing.
"""

import io
import re

import barcode
import segno


def code128_modules(value: str) -> str | None:
    """The module pattern ('1' bar, '0' space) of a Code 128 symbol, or None when Code 128 cannot carry the value."""
    if not value.isascii() or not value.isprintable():
        return None
    return barcode.get("code128", value).build()[0]


QUIET = 10  # modules of quiet zone each side


def code128_svg(value: str, *, module_mm: float = 0.33, height_mm: float = 12.0) -> str:
    """A Code 128 symbol of `value` (ASCII) as an <svg> element, natural size in mm, no human-readable text.

    python-barcode encodes (code sets A/B/C, checksum, stop pattern); the bars are drawn here as one path, which
    prints a thousand labels far faster than its writer's one <rect> a bar. The narrowest bar is `module_mm`
    wide (0.33 mm reads on any handheld scanner); the quiet zone is 10 modules each side.
    Raises ValueError for characters Code 128 cannot carry (outside ASCII).
    """
    modules = code128_modules(value)
    if modules is None:
        raise ValueError("Code 128 carries printable ASCII only")
    quiet = QUIET
    bars = [(m.start(), len(m.group(0))) for m in re.finditer("1+", modules)]
    path = "".join(f"M{x + quiet} 0h{w}v1h-{w}z" for x, w in bars)
    total = len(modules) + 2 * quiet
    width, height = total * module_mm, height_mm
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="symbol code128" width="{width:.2f}mm" '
        f'height="{height:.2f}mm" viewBox="0 0 {total} 1" preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<rect width="{total}" height="1" fill="white"/><path fill="black" d="{path}"/></svg>'
    )


def qr_svg(value: str, *, size_mm: float = 20.0) -> str:
    """A QR symbol of `value` (error correction M, quiet zone 2 modules) as an <svg> element of size_mm square."""
    out = io.BytesIO()
    segno.make(value, error="m", micro=False).save(out, kind="svg", border=2, omitsize=True, xmldecl=False)
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg width="{size_mm}mm" height="{size_mm}mm" ', 1)
