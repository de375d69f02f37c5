"""The project's pace, pure: progress against the target, the required pace and the forecast.

No session, no settings, no clock: `today`, the calendar and the thresholds are parameters.

- *Required pace*: the pages still missing at the start of today, spread over the working days
  from today to the contract's end date, both included.
- *Forecast*: the recent pace (good pages over the last `window` complete working days, divided by
  the working days in that window) carried forward from today.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.production.rules import WorkCalendar

# A forecast further out than this many working days (about 20 years) is reported as "not in sight".
FORECAST_HORIZON_WORKING_DAYS = 5000


@dataclass(frozen=True)
class Progress:
    """Good pages against the target."""

    done: int
    target: int

    @property
    def remaining(self) -> int:
        """Pages still to capture (never negative)."""
        return max(self.target - self.done, 0)

    @property
    def fraction(self) -> float:
        """done / target (may pass 1)."""
        return self.done / self.target if self.target > 0 else 0.0

    @property
    def percent(self) -> float:
        """Progress in percent, one decimal (rounded half up)."""
        return math.floor(1000 * self.fraction + 0.5) / 10


@dataclass(frozen=True)
class Pace:
    """What it takes to finish on time from today."""

    remaining: int
    working_days_left: int
    assumed_years: tuple[int, ...]

    @property
    def per_day(self) -> int | None:
        """Good pages needed per working day, rounded up (None when no working day is left)."""
        if self.remaining == 0:
            return 0
        if self.working_days_left == 0:
            return None
        return -(-self.remaining // self.working_days_left)

    @property
    def overdue(self) -> bool:
        """Pages remain but no working day is left before the end date."""
        return self.remaining > 0 and self.working_days_left == 0


def required_pace(done_before_today: int, target: int, today: date, end_date: date, calendar: WorkCalendar) -> Pace:
    """The pages missing at the start of today, over the working days from today to the end date (included)."""
    remaining = max(target - done_before_today, 0)
    left = calendar.count(today, end_date)
    return Pace(remaining, left, calendar.assumed_years(today, end_date) if today <= end_date else ())


@dataclass(frozen=True)
class Forecast:
    """When the project will reach its target at the recent pace."""

    pace: float | None  # good pages per working day over the window
    window_working_days: int  # working days the window really had (fewer at the project's start)
    window_first: date | None
    window_last: date | None
    working_days_needed: int | None
    finish_date: date | None
    end_date: date
    reached_on: date | None  # the day the target was reached, when it has been
    assumed_years: tuple[int, ...]

    @property
    def on_time(self) -> bool | None:
        """Whether the forecast finish lies on or before the contract's end date (None: no forecast)."""
        day = self.reached_on or self.finish_date
        return None if day is None else day <= self.end_date

    @property
    def out_of_sight(self) -> bool:
        """A pace exists but is too slow to give a finish within the forecast horizon."""
        return self.pace is not None and self.pace > 0 and self.finish_date is None and self.reached_on is None


def trailing_window(
    today: date, start_date: date, calendar: WorkCalendar, window: int
) -> tuple[date, date, list[date]] | None:
    """The last `window` working days before today and not before the project's start: (first day, last day, days)."""
    days: list[date] = []
    day = today - timedelta(days=1)
    while day >= start_date and len(days) < window:
        if calendar.is_working(day):
            days.append(day)
        day -= timedelta(days=1)
    if not days:
        return None
    days.reverse()
    # The window spans every calendar day from its first working day to yesterday, so that pages
    # shot on days off inside it count too.
    return days[0], today - timedelta(days=1), days


def forecast(
    daily_good: Mapping[date, int],
    *,
    target: int,
    today: date,
    start_date: date,
    end_date: date,
    calendar: WorkCalendar,
    window: int = 20,
) -> Forecast:
    """The finish date at the pace of the last `window` complete working days.

    `daily_good` maps each local day to the good pages counted for it (today's partial count
    included, if any). The remaining pages are those missing at the start of today, and today
    counts as the first working day of the rest when it is one. Once the cumulative count has
    reached the target, `reached_on` says when and no finish date is forecast.
    """
    if window < 1:
        raise ValueError("the window needs at least one working day")
    reached = reached_on(daily_good, target)
    done_before = sum(n for d, n in daily_good.items() if d < today)
    remaining = max(target - done_before, 0)
    span = trailing_window(today, start_date, calendar, window)
    assumed = calendar.assumed_years(min(today, end_date), max(today, end_date))
    if span is None:
        return Forecast(None, 0, None, None, None, None, end_date, reached, assumed)
    first, last, wdays = span
    pages = sum(n for d, n in daily_good.items() if first <= d <= last)
    pace = pages / len(wdays)
    needed: int | None = None
    finish: date | None = None
    if reached is None and remaining > 0 and pace > 0:
        needed = math.ceil(remaining / pace)
        if needed <= FORECAST_HORIZON_WORKING_DAYS:
            finish = calendar.nth_working_day_from(today, needed)
            assumed = calendar.assumed_years(min(today, end_date), max(finish, end_date))
    return Forecast(pace, len(wdays), first, last, needed, finish, end_date, reached, assumed)


def reached_on(daily_good: Mapping[date, int], target: int) -> date | None:
    """The first day on which the cumulative good pages reached the target, if they have."""
    total = 0
    for day in sorted(daily_good):
        total += daily_good[day]
        if total >= target:
            return day
    return None


def cumulative(daily_good: Mapping[date, int], first: date, last: date) -> list[tuple[date, int]]:
    """Cumulative good pages at the end of every calendar day from `first` to `last` (earlier days included)."""
    total = sum(n for d, n in daily_good.items() if d < first)
    out = []
    day = first
    while day <= last:
        total += daily_good.get(day, 0)
        out.append((day, total))
        day += timedelta(days=1)
    return out


def planned_on(day: date, start_date: date, end_date: date, target: int) -> float:
    """The straight line from (start, 0) to (end, target), read at the end of `day`."""
    span = (end_date - start_date).days + 1
    elapsed = min(max((day - start_date).days + 1, 0), span)
    return target * elapsed / span
