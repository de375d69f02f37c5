"""Which characters the label font can draw (the Noto Sans CJK that Debian's fonts-noto-cjk installs)."""

from functools import lru_cache
from pathlib import Path

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@lru_cache(maxsize=1)
def _codepoints() -> frozenset[int] | None:
    try:
        from fontTools.ttLib import TTCollection

        return frozenset(TTCollection(str(NOTO_CJK), lazy=True).fonts[0].getBestCmap())
    except (ImportError, OSError):
        return None


def printable(char: str) -> bool:
    """True when the label font has a glyph for the character (without the font: ASCII only)."""
    points = _codepoints()
    return char.isascii() if points is None else ord(char) in points
