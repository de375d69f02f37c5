"""The result of a check: verdict, reason codes, operator messages and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Metric = float | int | bool | list[int] | str | None

REASONS: dict[str, tuple[str, str]] = {
    "blur": ("图像模糊，请重拍", "Blurred: re-shoot"),
    "skew": ("页面歪斜，请摆正后重拍", "Page is skewed: straighten it and re-shoot"),
    "too_dark": ("图像过暗，请检查光源", "Too dark: check the lighting"),
    "too_bright": ("图像过亮，请降低曝光", "Too bright: reduce the exposure"),
    "low_contrast": ("对比度不足，请检查光源和对焦", "Low contrast: check lighting and focus"),
    "cut_off": ("页面不完整，请将整页放入画面", "Page cut off: fit the whole page in the frame"),
    "occluded": ("页面被遮挡（手指或物品），请移开后重拍", "Page covered by a finger or an object: clear it, re-shoot"),
    "blank": ("空白页：如确为空白页请标记", "Blank page: mark it if it is intentionally blank"),
    "low_resolution": ("分辨率不足，请靠近拍摄或提高像素", "Resolution too low: move closer or raise the resolution"),
}
REASON_ORDER = tuple(REASONS)


def message(code: str) -> dict[str, str]:
    """Operator message for a reason code, in Chinese and English."""
    zh, en = REASONS[code]
    return {"code": code, "zh": zh, "en": en}


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


def make_report(reasons: list[str], metrics: dict[str, Metric], width: int, height: int, profile_name: str) -> Report:
    """Build a Report with reasons in a stable order and their messages."""
    ordered = [r for r in REASON_ORDER if r in set(reasons)]
    return Report(
        reasons=ordered,
        metrics=metrics,
        width=width,
        height=height,
        profile_name=profile_name,
        messages=[message(r) for r in ordered],
    )
