"""Pure rules of the vendor's QC: inspection rates, the draw, "close to a threshold", repeats, figures.

No session, no settings, no clock: every value comes in as a parameter.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.acceptance.rules import DEFECT_CODES
from qc.pagehash import REPEAT_MAX_BITS, hamming  # noqa: F401 - one threshold and one distance, server and station

# Without a rate set by the manager, this share of every operator's pages is inspected (the usual rate once an
# operator is past his first days; the manager sets 100 % for a new operator's first days).
DEFAULT_PERCENT = Decimal("5")
# A passing QC figure is "close" to its threshold when it lies within this share of the threshold's value
# (e.g. blur 1.15 px against a limit of 1.3 px, or 210 dpi against a minimum of 200 dpi).
NEAR_MARGIN = 0.15
# (metric, profile threshold, kind): "max" = the figure must stay at or below it, "min" = at or above it,
# "max_abs" = its absolute value at or below it. The profile's names are qc.Profile's.
THRESHOLDS: tuple[tuple[str, str, str], ...] = (
    ("blur_px", "max_blur_px", "max"),
    ("skew_deg", "max_skew_deg", "max_abs"),
    ("paper_level", "min_paper_level", "min"),
    ("clipped_highlights", "max_clipped_highlights", "max"),
    ("contrast", "min_contrast", "min"),
    ("ink_ratio", "min_ink_ratio", "min"),
    ("edge_contact", "max_edge_contact", "max"),
    ("dpi", "min_dpi", "min"),
)
NOTE_MAX = 500


@dataclass(frozen=True)
class RateStep:
    """A row of the rate schedule: from `from_date` on, `percent` of the operator's pages (operator None: all)."""

    operator_id: int | None
    from_date: date
    percent: Decimal


def rate_on(schedule: list[RateStep], operator_id: int, day: date, default: Decimal = DEFAULT_PERCENT) -> Decimal:
    """The inspection rate (percent, 0-100) of the operator's pages captured on `day`.

    The operator's own latest step on or before the day wins; else the project's latest default step; else
    `default`."""
    for who in (operator_id, None):
        steps = [s for s in schedule if s.operator_id == who and s.from_date <= day]
        if steps:
            return max(steps, key=lambda s: s.from_date).percent
    return default


def drawn(project_id: int, image_id: int, percent: Decimal) -> bool:
    """Whether the image falls into the inspected share: a fixed function of the ids, reproducible and even.

    sha256("project:image") read as a number in [0, 1) is below percent / 100."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{project_id}:{image_id}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64) < percent / 100


def near_threshold(
    metrics: dict, thresholds: dict, *, intentionally_blank: bool = False, margin: float = NEAR_MARGIN
) -> list[str]:
    """The metrics of a passing image that lie within `margin` × threshold of their limit, on the passing side.

    metrics: qc's flat metrics (None where unmeasured); thresholds: a qc profile as a dict. The ink ratio of an
    intentionally blank page is not a quality figure and is left out."""
    close = []
    for name, limit_name, kind in THRESHOLDS:
        value, limit = metrics.get(name), thresholds.get(limit_name)
        if value is None or isinstance(value, bool) or limit is None or limit == 0:
            continue
        if name == "ink_ratio" and intentionally_blank:
            continue
        value, limit = float(value), float(limit)
        band = abs(limit) * margin
        if kind == "max_abs":
            value = abs(value)
        if kind in ("max", "max_abs") and limit - band <= value <= limit:
            close.append(name)
        elif kind == "min" and limit <= value <= limit + band:
            close.append(name)
    return close


def flag_problem(defect: str | None, note: str | None) -> str | None:
    """Why a flag cannot be recorded (a stable code), or None: a known defect code, a note for 'other'."""
    if not defect or defect not in DEFECT_CODES:
        return "bad_defect"
    if defect == "other" and not note:
        return "note_required"
    if note and len(note) > NOTE_MAX:
        return "note_too_long"
    return None


@dataclass(frozen=True)
class HashedPage:
    """A page of a record for the repeat search: its number, image, hash and whether it is (meant to be) blank."""

    page_number: int
    page_id: int
    image_id: int
    phash: str
    blank: bool = False


@dataclass(frozen=True)
class Repeat:
    """Two pages of a record that show the same paper page: `later` repeats `earlier`."""

    earlier: HashedPage
    later: HashedPage
    distance: int

    @property
    def consecutive(self) -> bool:
        """True when the later page follows directly: the page was probably not turned."""
        return self.later.page_number == self.earlier.page_number + 1


def repeats(pages: list[HashedPage], max_bits: int = REPEAT_MAX_BITS) -> list[Repeat]:
    """Every later page that is a near-duplicate of an earlier one (closest earlier match), blank pages excluded.

    O(n²) over a record's pages (a record has tens to a few hundred)."""
    ordered = sorted((p for p in pages if not p.blank), key=lambda p: p.page_number)
    found = []
    for i, later in enumerate(ordered):
        best: Repeat | None = None
        for earlier in ordered[:i]:
            d = hamming(earlier.phash, later.phash)
            if d <= max_bits and (best is None or d < best.distance):
                best = Repeat(earlier, later, d)
        if best is not None:
            found.append(best)
    return found


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None
