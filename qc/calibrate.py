"""Derive thresholds from images both parties confirmed as acceptable (good) and unacceptable (bad)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qc.profile import Profile, load_profile
from qc.report import Metric

# profile field -> the metric it limits (which way it fails is judge_metrics' own rule: the calibrator judges)
RULES: dict[str, str] = {
    "max_blur_px": "blur_px",
    "max_blur_region_share": "blur_region_share",
    "max_occluded_share": "occluded_share",
    "max_skew_deg": "abs_skew_deg",
    "min_paper_level": "paper_level",
    "min_contrast": "contrast",
    "min_ink_ratio": "ink_ratio",
}
MAX_CANDIDATES = 64  # thresholds tried per limit and step
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


def _value(metrics: dict[str, Metric], name: str, prof: Profile) -> float | None:
    if name == "abs_skew_deg":
        v = metrics.get("skew_deg")
        return None if v is None else abs(float(v))
    if name == "blur_px":  # at the profile's reference resolution, as the limit is (Profile.blur_allowance)
        v, dpi = metrics.get("blur_px"), metrics.get("blur_dpi")
        if not isinstance(v, int | float) or isinstance(v, bool):
            return None
        return float(v) / prof.blur_allowance(float(dpi) if isinstance(dpi, int | float) else None)
    v = metrics.get(name)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _cost(prof: Profile, good: Sequence[dict[str, Metric]], bad: Sequence[dict[str, Metric]]) -> float:
    """REJECT_COST x good images the profile rejects + bad images it passes."""
    return REJECT_COST * sum(not _passes(m, prof) for m in good) + sum(_passes(m, prof) for m in bad)


def _passes(metrics: dict[str, Metric], prof: Profile) -> bool:
    from qc.checker import judge_metrics  # qc.checker imports the profile module this one also needs

    size = metrics.get("_size")
    w, h = size if isinstance(size, tuple | list) and len(size) == 2 else (1 << 20, 1 << 20)
    return not judge_metrics(metrics, prof, int(w), int(h))


def calibrate(base: Profile, good: Sequence[dict[str, Metric]], bad: Sequence[dict[str, Metric]]) -> Profile:
    """A profile that separates the good from the bad images better than `base`, changing as few limits as it can.

    Greedy: of every limit in RULES and every threshold between two measured values, the one change that lowers
    the cost of the whole profile most (REJECT_COST x good rejected + bad passed, each image judged on all its
    reasons) is made, and again, until no change lowers it. A bad image the profile already refuses for one reason
    does not pull another limit after it (the images say which are bad, not why), so the result is never worse than
    `base` on these images. `_size` (width, height) in an image's metrics is used for the pixel-size rule.
    """
    prof = load_profile({**base.to_dict(), "name": "calibrated"})
    cost = _cost(prof, good, bad)
    while cost > 0:
        best: tuple[float, str, float] | None = None
        for field, metric in RULES.items():
            gv = [v for m in good if (v := _value(m, metric, prof)) is not None]
            bv = [v for m in bad if (v := _value(m, metric, prof)) is not None]
            values = sorted(set(gv) | set(bv))
            if len(values) > MAX_CANDIDATES:  # evenly spaced by rank: the work stays bounded on large sets
                values = [values[int(i)] for i in np.linspace(0, len(values) - 1, MAX_CANDIDATES)]
            if not values:
                continue
            # between each two measured values, and just beyond both ends (a limit may have to let the most
            # extreme good page through: one soft good page and no bad page near it)
            ends = [values[0] - max(1e-3, 0.05 * abs(values[0])), values[-1] + max(1e-3, 0.05 * abs(values[-1]))]
            for t in [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)] + ends:
                try:
                    trial = load_profile({**prof.to_dict(), field: round(t, 4)})
                except ValueError:  # out of the field's range (qc.profile: a share under 0, a limit of 0)
                    continue
                c = _cost(trial, good, bad)
                if c < cost and (best is None or c < best[0]):
                    best = (c, field, round(t, 4))
        if best is None:
            break
        cost, field, t = best
        prof = load_profile({**prof.to_dict(), field: t})
    return prof


def confusion(good_passed: Sequence[bool], bad_passed: Sequence[bool]) -> Confusion:
    """Confusion matrix from the verdicts on the good and the bad images."""
    gp, bp = sum(good_passed), sum(bad_passed)
    return Confusion(gp, len(good_passed) - gp, bp, len(bad_passed) - bp)
