"""Thresholds of a check, as a frozen dataclass that round-trips through JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, fields
from typing import Any

PathOrDict = str | os.PathLike[str] | dict[str, Any]
MAX_STAND_DPI = 2400.0  # no document camera's frame covers a sheet at more


@dataclass(frozen=True)
class Profile:
    """Every threshold the verdict uses; see qc/README.md for what each means."""

    name: str = "default"
    max_skew_deg: float = 3.0
    max_blur_px: float = 1.0
    max_region_blur_px: float = 1.2  # a region a fifth of the text at sigma 2 fails as the whole page at 1.0 does
    max_blur_region_share: float = 0.2
    blur_reference_dpi: float = 300.0
    min_paper_level: float = 0.40
    max_clipped_highlights: float = 0.35
    min_contrast: float = 0.25
    min_ink_ratio: float = 0.0015
    min_text_marks: int = 2  # a page with less ink than min_ink_ratio but this many characters in lines is no blank
    min_smear_ratio: float = 0.02
    max_edge_contact: float = 0.02
    max_occluded_share: float = 0.0
    require_page_border: bool = False
    max_cut_text_marks: int = 2
    paper_size_mm: tuple[float, float] = (210.0, 297.0)
    min_dpi: float = 200.0
    # a fixed stand's camera gives every sheet on it the same resolution, whatever the sheet's size: measured once
    # (python -m qc stand) on frames stand_frame_px long; 0 = no stand, a photo's dpi is estimated from its outline
    # as a sheet of paper_size_mm (an A5 slip on an A4 stand read 157 dpi instead of 227)
    stand_dpi: float = 0.0
    stand_frame_px: int = 0
    min_side_px: int = 300
    max_pixels: int = 120_000_000

    def __post_init__(self) -> None:
        size = tuple(float(v) for v in self.paper_size_mm)
        if len(size) != 2 or min(size) <= 0:
            raise ValueError("paper_size_mm must be two positive numbers")
        object.__setattr__(self, "paper_size_mm", size)
        if self.blur_reference_dpi <= 0:
            raise ValueError("blur_reference_dpi must be positive")
        if self.max_pixels <= 0 or self.min_side_px < 1:
            raise ValueError("max_pixels and min_side_px must be positive")
        if not 0 <= self.stand_dpi <= MAX_STAND_DPI or self.stand_frame_px < 0:
            raise ValueError(f"stand_dpi must be 0 (no stand) to {MAX_STAND_DPI:g}, stand_frame_px 0 or more")
        if (self.stand_dpi > 0) != (self.stand_frame_px > 0):
            raise ValueError("stand_dpi and stand_frame_px are set together (python -m qc stand prints both)")

    def stand_dpi_of(self, long_side_px: int) -> float | None:
        """The resolution (dpi) a photo `long_side_px` long (original pixels) has on the project's fixed stand:
        stand_dpi scaled by its frame's long side against the frames it was measured on (a camera set to a smaller
        frame gives proportionally less); None when no stand is set."""
        if self.stand_dpi <= 0 or self.stand_frame_px <= 0:
            return None
        return self.stand_dpi * long_side_px / self.stand_frame_px

    def blur_allowance(self, dpi: float | None) -> float:
        """How many times the blur limits (max_blur_px, max_region_blur_px) grow for a page of this resolution:
        dpi / blur_reference_dpi above the reference, else 1 (unknown dpi: 1).

        The limits are in original pixels at the reference resolution; a pixel of a 600 dpi scan is half as wide
        on the paper, so the same blur on the paper (what decides whether a stroke reads) is twice as many pixels.
        Below the reference nothing is relaxed or tightened: the resolution rule (min_dpi) speaks for those pages.
        """
        if dpi is None or dpi <= self.blur_reference_dpi:
            return 1.0
        return float(dpi) / self.blur_reference_dpi

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict that load_profile turns back into an equal Profile."""
        out = dataclasses.asdict(self)
        out["paper_size_mm"] = list(self.paper_size_mm)
        if self.stand_dpi <= 0:  # no stand: the profile reads as before these fields (a station not yet updated
            del out["stand_dpi"], out["stand_frame_px"]  # takes it, and its fingerprint has not changed)
        return out


_FIELDS = {f.name: f for f in fields(Profile)}


def default_profile() -> Profile:
    """The documented default profile (DA/T 31 practice: skew ≤ 3°, ≥ 200 dpi)."""
    return Profile()


def _coerce(name: str, value: Any) -> Any:
    kind = type(getattr(Profile(), name))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"profile field {name!r} must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"profile field {name!r} must be a string")
        return value
    if kind is tuple:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(f"profile field {name!r} must be a list of two numbers")
        return tuple(_coerce_number(name, v, float) for v in value)
    return _coerce_number(name, value, kind)


def _coerce_number(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"profile field {name!r} must be a number")
    if not math.isfinite(value):  # JSON's NaN and Infinity: a threshold no figure is ever compared past
        raise ValueError(f"profile field {name!r} must be a finite number")
    if kind is int and float(value) != int(value):
        raise ValueError(f"profile field {name!r} must be a whole number")
    return kind(value)


def load_profile(source: PathOrDict | Profile) -> Profile:
    """Build a Profile from a JSON file path or a dict; unknown keys raise ValueError."""
    if isinstance(source, Profile):
        return source
    if isinstance(source, dict):
        data = source
    else:
        with open(os.fspath(source), encoding="utf-8") as fh:
            data = json.load(fh)
        if not isinstance(data, dict):
            raise ValueError("a profile file must hold a JSON object")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown profile keys: {', '.join(unknown)}")
    return Profile(**{k: _coerce(k, v) for k, v in data.items()})
