"""Derive thresholds from images both parties confirmed as acceptable (good) and unacceptable (bad)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qc.profile import Profile, load_profile
from qc.report import Metric

# profile field -> (metric, direction): "max" fails above the threshold, "min" fails below it
RULES: dict[str, tuple[str, str]] = {
    "max_blur_px": ("blur_px", "max"),
    "max_blur_region_share": ("blur_region_share", "max"),
    "max_occluded_share": ("occluded_share", "max"),
    "max_skew_deg": ("abs_skew_deg", "max"),
    "min_paper_level": ("paper_level", "min"),
    "min_contrast": ("contrast", "min"),
    "min_ink_ratio": ("ink_ratio", "min"),
}
REJECT_COST = 2.0  # rejecting a good page costs an operator a re-shoot; weigh it above a missed bad one


@dataclass(frozen=True)
class Confusion:
    """Counts of good/bad images against pass/fail."""

    good_pass: int
    good_fail: int
    bad_pass: int
    bad_fail: int

    def table(self) -> str:
        """The matrix as printable text."""
        return (
            f"{'':12}{'pass':>8}{'fail':>8}\n{'good':12}{self.good_pass:>8}{self.good_fail:>8}\n"
            f"{'bad':12}{self.bad_pass:>8}{self.bad_fail:>8}"
        )


def _value(metrics: dict[str, Metric], name: str) -> float | None:
    if name == "abs_skew_deg":
        v = metrics.get("skew_deg")
        return None if v is None else abs(float(v))
    v = metrics.get(name)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def best_threshold(good: Sequence[float], bad: Sequence[float], direction: str) -> float | None:
    """Threshold between good and bad values minimising REJECT_COST*rejected good + passed bad; None if useless."""
    if not good or not bad:
        return None
    values = sorted(set(good) | set(bad))
    cands = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    best, best_cost = None, float(len([b for b in bad]))  # cost of catching nothing
    for t in cands:
        if direction == "max":
            rejected, missed = sum(g > t for g in good), sum(b <= t for b in bad)
        else:
            rejected, missed = sum(g < t for g in good), sum(b >= t for b in bad)
        cost = REJECT_COST * rejected + missed
        if cost < best_cost:
            best, best_cost = t, cost
    return best


def calibrate(base: Profile, good: Sequence[dict[str, Metric]], bad: Sequence[dict[str, Metric]]) -> Profile:
    """A profile whose per-metric thresholds best separate the good from the bad images."""
    changes: dict[str, float] = {}
    for field, (metric, direction) in RULES.items():
        gv = [v for m in good if (v := _value(m, metric)) is not None]
        bv = [v for m in bad if (v := _value(m, metric)) is not None]
        t = best_threshold(gv, bv, direction)
        if t is not None:
            changes[field] = round(t, 4)
    return load_profile({**base.to_dict(), **changes, "name": "calibrated"})


def confusion(good_passed: Sequence[bool], bad_passed: Sequence[bool]) -> Confusion:
    """Confusion matrix from the verdicts on the good and the bad images."""
    gp, bp = sum(good_passed), sum(bad_passed)
    return Confusion(gp, len(good_passed) - gp, bp, len(bad_passed) - bp)
