"""The result of a check: verdict, reason codes, operator messages and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qc.messages import REASONS, message

__all__ = ["REASONS", "REASON_ORDER", "Metric", "Report", "make_report", "message"]

Metric = float | int | bool | str | list[int] | list[float | None] | list[str] | None

REASON_ORDER = tuple(REASONS)


@dataclass(frozen=True)
class Report:
    """Verdict of one image; picklable and JSON-serialisable through to_dict()."""

    reasons: list[str]
    metrics: dict[str, Metric]
    width: int
    height: int
    profile_name: str = "default"
    messages: list[dict[str, str]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """'pass' when there is no reason to re-shoot, else 'fail'."""
        return "fail" if self.reasons else "pass"

    @property
    def passed(self) -> bool:
        """True when the verdict is pass."""
        return not self.reasons

    @property
    def skew_deg(self) -> float | None:
        """Measured skew in degrees, counter-clockwise positive (None when unmeasurable)."""
        v = self.metrics.get("skew_deg")
        return None if v is None else float(v)

    @property
    def sharpness(self) -> float | None:
        """Focus score in [0, 1] (1 = ideal edges; None when the page has no edges)."""
        v = self.metrics.get("sharpness")
        return None if v is None else float(v)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary: verdict, reasons, messages, metrics, size and profile name."""
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "messages": [dict(m) for m in self.messages],
            "metrics": dict(self.metrics),
            "width": self.width,
            "height": self.height,
            "profile_name": self.profile_name,
        }


def make_report(reasons: list[str], metrics: dict[str, Metric], width: int, height: int, profile: Any) -> Report:
    """Build a Report with reasons in a stable order and their messages, figures filled from the metrics.

    `profile` is the qc Profile the verdict was judged against (its name goes into the report).
    """
    ordered = [r for r in REASON_ORDER if r in set(reasons)]
    return Report(
        reasons=ordered,
        metrics=metrics,
        width=width,
        height=height,
        profile_name=profile.name,
        messages=[message(r, metrics, profile) for r in ordered],
    )
