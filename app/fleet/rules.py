"""When a capture station is in trouble: pure rules over its last heartbeat (no database, no clock)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

# Condition codes, in the order the Stations screen lists them (the browser owns their wording).
OFFLINE, BEHIND, LOW_DISK, OLD_VERSION, OLD_PROFILE, SOURCE = (
    "offline",
    "behind",
    "low_disk",
    "old_version",
    "old_profile",
    "source_problem",
)
CONDITIONS = (OFFLINE, BEHIND, LOW_DISK, OLD_VERSION, OLD_PROFILE, SOURCE)


@dataclass(frozen=True)
class Thresholds:
    """Offline after 3 min without a heartbeat (three missed 60 s beats), behind when the oldest shot waiting to
    upload is older than 10 min, low disk under 5 GB (about 1,500 12-MP shots)."""

    offline_after: timedelta = timedelta(minutes=3)
    behind_after_s: float = 600.0
    low_disk_bytes: int = 5 * 1024**3


@dataclass(frozen=True)
class Reported:
    """What a heartbeat says (the parts the rules look at)."""

    version: str
    qc_profile: str | None
    oldest_item_age_s: float | None
    disk_free_bytes: int | None
    source: str


def reported_conditions(beat: Reported, *, server_version: str, profile: str, limits: Thresholds) -> list[str]:
    """The trouble conditions a heartbeat reports: behind, low disk, old version, old QC profile, image source."""
    found = []
    if beat.oldest_item_age_s is not None and beat.oldest_item_age_s > limits.behind_after_s:
        found.append(BEHIND)
    if beat.disk_free_bytes is not None and beat.disk_free_bytes < limits.low_disk_bytes:
        found.append(LOW_DISK)
    if _version(beat.version) < _version(server_version):
        found.append(OLD_VERSION)
    if beat.qc_profile is not None and beat.qc_profile != profile:
        found.append(OLD_PROFILE)
    if beat.source != "ok":
        found.append(SOURCE)
    return found


def _version(text: str) -> tuple[int, ...]:
    """'0.1.10' → (0, 1, 10); anything that is not dotted numbers reads as (0,), i.e. older than any release."""
    parts = text.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() and len(p) < 9 for p in parts) else (0,)


def offline_since(reported_at: datetime, limits: Thresholds) -> datetime:
    """When a station that has sent nothing since `reported_at` counts as offline."""
    return reported_at + limits.offline_after


def carry_since(previous: dict[str, str], now_conditions: list[str], now_iso: str) -> dict[str, str]:
    """Since when each current condition has held: kept from the previous heartbeat, else now."""
    return {c: previous.get(c, now_iso) for c in now_conditions}


def is_offline(reported_at: datetime, now: datetime, limits: Thresholds) -> bool:
    """No heartbeat within the offline window."""
    return now - reported_at > limits.offline_after


def too_soon(reported_at: datetime | None, now: datetime, min_interval: timedelta) -> bool:
    """A heartbeat that follows the last accepted one closer than the minimum interval (a flood): not written."""
    return reported_at is not None and timedelta(0) <= now - reported_at < min_interval
