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
MAX_FRAME_PAPERS = 6.0  # a stand's frame is at most this many times the paper's long side
FRAME_SHAPE_TOLERANCE = 0.01  # a photo's frame of the stand's shape: short / long side within this share of it
MAX_PAPER_MM = 2000.0
MIN_MAX_PIXELS, MAX_MAX_PIXELS = 1_000_000, 1_000_000_000  # under it every photo is refused, over it the guard
# against decompression bombs read from the header is gone
# field: (lowest, highest, lowest excluded) - a threshold outside these makes every page fail, or none (a max_skew_deg
# of -1 failed every page for skew, a max_blur_region_share of 0 every page for blur)
_RANGES: dict[str, tuple[float, float, bool]] = {
    "max_skew_deg": (0.0, 45.0, True),
    "max_blur_px": (0.0, 100.0, True),
    "max_region_blur_px": (0.0, 100.0, True),
    "max_blur_region_share": (0.0, 1.0, True),
    "blur_reference_dpi": (0.0, MAX_STAND_DPI, True),
    "min_paper_level": (0.0, 1.0, False),
    "max_clipped_highlights": (0.0, 1.0, False),
    "min_contrast": (0.0, 1.0, False),
    "min_ink_ratio": (0.0, 1.0, False),
    "min_text_marks": (0.0, 10_000.0, False),
    "min_smear_ratio": (0.0, 1.0, True),
    "max_edge_contact": (0.0, 1.0, False),
    "max_occluded_share": (0.0, 1.0, False),
    "max_cut_text_marks": (0.0, 10_000.0, False),
    "min_dpi": (0.0, 10_000.0, False),
}


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
    # (python -m qc stand) on frames of stand_frame_px (long, short side); 0 = no stand, a photo's dpi is estimated
    # from its outline as a sheet of paper_size_mm (an A5 slip on an A4 stand read 157 dpi instead of 227)
    stand_dpi: float = 0.0
    stand_frame_px: tuple[float, float] = (0.0, 0.0)
    min_side_px: int = 300
    max_pixels: int = 120_000_000

    def __post_init__(self) -> None:
        size = tuple(float(v) for v in self.paper_size_mm)
        if len(size) != 2 or not 0 < min(size) <= max(size) <= MAX_PAPER_MM:
            raise ValueError(f"paper_size_mm must be two sizes over 0 and up to {MAX_PAPER_MM:g} mm")
        object.__setattr__(self, "paper_size_mm", size)
        frame = tuple(float(v) for v in self.stand_frame_px)
        object.__setattr__(self, "stand_frame_px", (max(frame), min(frame)) if len(frame) == 2 else frame)
        for name, (low, high, low_open) in _RANGES.items():
            v = getattr(self, name)
            if not (low < v if low_open else low <= v) or v > high:
                floor = f"over {low:g}" if low_open else f"at least {low:g}"
                raise ValueError(f"profile field {name!r} must be {floor} and at most {high:g} (got {v:g})")
        if not MIN_MAX_PIXELS <= self.max_pixels <= MAX_MAX_PIXELS or not 1 <= self.min_side_px <= 20_000:
            raise ValueError(f"max_pixels must be {MIN_MAX_PIXELS:,} to {MAX_MAX_PIXELS:,} and min_side_px 1 to 20,000")
        self._check_stand()

    def _check_stand(self) -> None:
        """stand_dpi and stand_frame_px are set together, and the frame they describe holds a sheet of the paper:
        at most MAX_FRAME_PAPERS times its size (a mistyped 400 for 4000 px, or 2155 for 215.5 dpi, made every
        photo 2155 dpi, whose blur limits grow tenfold: blurred and shaken pages passed)."""
        if len(self.stand_frame_px) != 2:
            raise ValueError("stand_frame_px must be the frame's two sides in pixels, e.g. [4000, 3000]")
        (long_px, short_px), dpi = self.stand_frame_px, self.stand_dpi
        if dpi == 0 and long_px == 0:
            return
        if dpi == 0 or long_px == 0:
            raise ValueError("stand_dpi and stand_frame_px are set together (python -m qc stand prints both); 0 both")
        if not 0 < dpi <= MAX_STAND_DPI:
            raise ValueError(f"stand_dpi must be over 0 and at most {MAX_STAND_DPI:g} (got {dpi:g})")
        if not 0 < short_px <= long_px:
            raise ValueError(f"stand_frame_px must be two sides over 0 pixels (got {long_px:g}, {short_px:g})")
        covers = (long_px / dpi * 25.4, short_px / dpi * 25.4)  # mm of the stand's base in view
        paper_long, paper_short = max(self.paper_size_mm), min(self.paper_size_mm)
        if covers[0] < paper_long or covers[1] < paper_short or covers[0] > MAX_FRAME_PAPERS * paper_long:
            raise ValueError(
                f"stand_dpi {dpi:g} on a {long_px:g} x {short_px:g} px frame shows {covers[0]:.0f} x "
                f"{covers[1]:.0f} mm, which a {paper_long:g} x {paper_short:g} mm sheet cannot have been measured in"
            )

    def stand_dpi_of(self, width: int, height: int) -> float | None:
        """The resolution (dpi) a photo of `width` x `height` original pixels has on the project's fixed stand:
        stand_dpi scaled by its frame's long side against the frames it was measured on (a camera set to a smaller
        frame gives proportionally less); None when no stand is set or the photo's frame has another shape (within
        FRAME_SHAPE_TOLERANCE): a frame cropped by the camera's software is no longer the stand's field of view (an
        A4 auto-cropped with a margin read 149 dpi and A3-sized)."""
        long_px, short_px = self.stand_frame_px
        if self.stand_dpi <= 0 or long_px <= 0 or min(width, height) <= 0:
            return None
        if abs(min(width, height) / max(width, height) / (short_px / long_px) - 1.0) > FRAME_SHAPE_TOLERANCE:
            return None
        return self.stand_dpi * max(width, height) / long_px

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
        out["stand_frame_px"] = list(self.stand_frame_px)
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


def profile_fields(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The fields a JSON profile file holds, unchecked (load_profile checks them); a file may start with a
    Windows editor's byte-order mark. ValueError when it is not JSON or holds no JSON object; OSError as open."""
    with open(os.fspath(path), encoding="utf-8-sig") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{os.fspath(path)} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("a profile file must hold a JSON object")
    return data


def load_profile(source: PathOrDict | Profile) -> Profile:
    """Build a Profile from a JSON file path or a dict; unknown keys raise ValueError."""
    if isinstance(source, Profile):
        return source
    data = source if isinstance(source, dict) else profile_fields(source)
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown profile keys: {', '.join(unknown)}")
    return Profile(**{k: _coerce(k, v) for k, v in data.items()})
