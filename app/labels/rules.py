"""Label sheets and what a label may show: pure rules, no database, no clock."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """A label stock: page size, a grid of labels, in millimetres (top-left origin)."""

    key: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    label_w: float
    label_h: float
    left: float
    top: float
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        """Labels on one sheet (or one label of a roll)."""
        return self.cols * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """The top-left corner (x, y) in mm of the index-th label of a sheet (0-based, row by row)."""
        row, col = divmod(index % self.per_page, self.cols)
        return self.left + col * (self.label_w + self.gap_x), self.top + row * (self.label_h + self.gap_y)


# Common stocks: A4 3×8 of 70×37 mm (e.g. Avery 3474), A4 2×7 of 99.1×38.1 mm (e.g. Avery L7163),
# and a thermal roll of 60×40 mm labels, one label a page.
LAYOUTS: dict[str, Layout] = {
    "a4_3x8": Layout("a4_3x8", 210, 297, 3, 8, 70, 37, 0, 0.5),
    "a4_2x7": Layout("a4_2x7", 210, 297, 2, 7, 99.1, 38.1, 4.65, 15.15, gap_x=2.5),
    "roll_60x40": Layout("roll_60x40", 60, 40, 1, 1, 60, 40, 0, 0),
}
SYMBOLOGIES = ("code128", "qr")
MAX_LABELS_PER_PART = 1000  # one PDF of at most this many labels; larger selections are printed in parts


def part_size(layout: Layout) -> int:
    """Labels in one printed part: at most MAX_LABELS_PER_PART, in whole sheets."""
    return max(layout.per_page, MAX_LABELS_PER_PART // layout.per_page * layout.per_page)


def parts(total: int, layout: Layout) -> int:
    """How many parts a selection of `total` labels is printed in (0 for none)."""
    size = part_size(layout)
    return (total + size - 1) // size


MIN_MODULE_MM = 0.25  # narrowest Code 128 bar still read reliably by handheld scanners from a label printer
LABEL_PADDING_MM = 6.0  # left + right padding inside a label (app/static/labels.css)


def code128_fits(modules: int, layout: Layout) -> bool:
    """Whether a Code 128 symbol of `modules` modules (quiet zones included) fits the label at MIN_MODULE_MM."""
    return modules * MIN_MODULE_MM <= layout.label_w - LABEL_PADDING_MM


def module_mm(modules: int, layout: Layout) -> float:
    """The bar width to print with: 0.33 mm, narrower (down to MIN_MODULE_MM) when the symbol would not fit."""
    return max(MIN_MODULE_MM, min(0.33, (layout.label_w - LABEL_PADDING_MM) / modules))


def patient_initials(name: str | None, printable: Callable[[str], bool] | None = None) -> str:
    """What a label that travels through the building may show of the patient: initials, never the full name.

    Chinese names keep the surname character and mask the rest ("张三丰" → "张*"); Latin names give their initials
    ("Anna Maria Li" → "A.M.L."). Empty or missing → "". A character the label font cannot draw (`printable` says
    False, e.g. a CJK Extension B surname outside Noto Sans CJK) is masked too ("*"), never printed as a tofu box.
    """
    text = " ".join((name or "").split())
    if not text:
        return ""
    if text.isascii():
        return "".join(f"{w[0].upper()}." for w in text.replace("-", " ").split() if w[0].isalnum())
    first = text[0]
    return (first if printable is None or printable(first) else "") + "*"


def record_code(mrn: str, visit: int, barcode: str | None) -> str:
    """The code a record's label carries: its own barcode, else 'MRN-visit' (the default barcode pattern)."""
    return barcode or f"{mrn}-{visit}"
