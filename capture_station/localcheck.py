"""The station's own instant QC check of each shot, with the project's thresholds when the server gave them."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from capture_station.config import StationConfig
from capture_station.events import EventBus
from capture_station.messages import t


@dataclass
class LocalCheck:
    """The station's own QC verdict for one shot."""

    verdict: str                      # pass | fail | unchecked
    reasons: list[str]
    messages: list[dict[str, str]]
    ms: float
    regions: list[dict[str, Any]] = field(default_factory=list)   # problem areas to draw, if the check gives any
    phash: str | None = None          # the page's perceptual hash (qc.pagehash), for the same-page check
    blank: bool = False               # found blank or marked intentionally blank: never compared

    def to_dict(self) -> dict[str, Any]:
        """For the outbox row."""
        return asdict(self)


def problem_regions(report: Any) -> list[dict[str, Any]]:
    """The areas qc blames, as fractions of the upright image (x, y, w, h) for the screen to outline: the worst
    blurred region of a `blur` failure and the object of an `occluded` one (qc's boxes are [x0, y0, x1, y1] pixels)."""
    width, height = getattr(report, "width", 0) or 0, getattr(report, "height", 0) or 0
    found = []
    for key, reason in (("blur_region", "blur"), ("occlusion_box", "occluded")):
        box = report.metrics.get(key)
        if reason in report.reasons and width and height and isinstance(box, list | tuple) and len(box) == 4:
            x0, y0, x1, y1 = (float(v) for v in box)
            found.append({"x": x0 / width, "y": y0 / height, "w": (x1 - x0) / width, "h": (y1 - y0) / height,
                          "reason": reason})
    return found


class LocalChecker:
    """Runs `qc.check` on a shot's bytes with the current profile (a local file, the server's, or the default)."""

    def __init__(self, cfg: StationConfig, bus: EventBus) -> None:
        self.cfg, self.bus = cfg, bus
        self._qc_missing_warned = False
        self.profile = self._load_profile()

    def check(self, data: bytes, blank: bool) -> LocalCheck:
        """The verdict for one shot; ValueError when the bytes are not a readable image."""
        started = time.perf_counter()
        try:
            import qc
        except ImportError:
            if not self._qc_missing_warned:
                self._qc_missing_warned = True
                self.bus.emit("warning", "warn", t("qc_missing", self.cfg.language))
            return LocalCheck("unchecked", [], [], 0.0)
        try:
            report, phash = qc.check_hashed(data, self.profile, intentionally_blank=blank)
        except qc.QCInputError as exc:
            raise ValueError(f"{exc.code}: {exc.message}") from exc
        ink = report.metrics.get("ink_ratio")
        min_ink = (self.profile or qc.default_profile()).min_ink_ratio
        empty = blank or "blank" in report.reasons or (isinstance(ink, int | float) and ink < min_ink)
        return LocalCheck(report.verdict, list(report.reasons), [dict(m) for m in report.messages],
                          (time.perf_counter() - started) * 1000, problem_regions(report), phash, bool(empty))

    def use_server_profile(self, profile: dict[str, Any]) -> bool:
        """Check shots with the project's profile from the server (a local profile file, if set, wins)."""
        if self.cfg.qc_profile:
            return False
        try:
            import qc

            self.profile = qc.load_profile(profile)
        except Exception as exc:  # noqa: BLE001 - keep capturing with the default thresholds
            self.bus.emit("warning", "warn", t("server_profile_unusable", self.cfg.language), detail=str(exc))
            return False
        return True

    def _load_profile(self) -> Any:
        if not self.cfg.qc_profile:
            return None
        try:
            import qc

            return qc.load_profile(self.cfg.qc_profile)
        except Exception as exc:  # noqa: BLE001 - a bad profile must not stop capture
            self.bus.emit("warning", "warn", t("local_profile_unusable", self.cfg.language, file=self.cfg.qc_profile),
                          detail=str(exc))
            return None
