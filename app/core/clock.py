"""Time: UTC instants in the database, Asia/Shanghai calendar days for people."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar day of an instant in the given zone (a naive instant is taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(tz)).date()
