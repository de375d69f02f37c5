"""Production rules, pure: quota status, operators' averages, re-shoot rate, progress, pace and forecast.

No session, no settings, no clock: `today`, the calendar and the thresholds are parameters.

Definitions (the numbers every screen shows):

- A *good page* is a live page whose current image passed QC; it counts for the operator who shot
  that image and the project-local day it was shot (the data layer hands these counts in).
- *Quota status* exists on working days only: met when good pages >= the daily quota, else short
  by the difference. Pages shot on a day off are production too, but that day carries no quota.
- An operator's *average* is their good pages of the period (days off included) divided by the
  working days they were on duty (uploaded at least one image). Days they did not work do not
  pull the average down; overtime on a day off lifts it.
- The *re-shoot rate* is re-shoot uploads / all uploads.
- *Required pace*: the pages still missing at the start of today, spread over the working days
  from today to the contract's end date, both included.
- *Forecast*: the recent pace (good pages over the last `window` complete working days, divided by
  the working days in that window) carried forward from today.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from app.core.workdays import CalendarNotCovered, is_working_day

# A forecast further out than this many working days (about 20 years) is reported as "not in sight".
FORECAST_HORIZON_WORKING_DAYS = 5000


@lru_cache(maxsize=65536)
def _official(day: date) -> bool | None:
    """The official calendar's word on a day, None for a year it does not cover (cached: the package is slow)."""
    try:
        return is_working_day(day)
    except CalendarNotCovered:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """China's official working days plus the project's overrides.

    For a year that neither the chinesecalendar data nor the overrides cover, the calendar either
    raises CalendarNotCovered (`assume_uncovered=False`, for money) or assumes Monday-Friday and says
    so through `assumed_years` (production estimates, shown with a warning).
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    assume_uncovered: bool = True

    def is_working(self, day: date) -> bool:
        """Whether `day` is a working day (an assumption for uncovered years, see `is_assumed`)."""
        found = self.overrides.get(day)
        if found is not None:
            return bool(found)
        official = _official(day)
        if official is not None:
            return official
        try:
            return is_working_day(day, self.overrides)
        except CalendarNotCovered:
            if not self.assume_uncovered:
                raise
            return day.weekday() < 5

    def is_assumed(self, day: date) -> bool:
        """True when the day's status is the Monday-Friday assumption, not the official calendar."""
        if day in self.overrides or _official(day) is not None:
            return False
        try:
            is_working_day(day, self.overrides)
        except CalendarNotCovered:
            return True
        return False

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days from `first` to `last`, both included."""
        days = []
        day = first
        while day <= last:
            if self.is_working(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def count(self, first: date, last: date) -> int:
        """How many working days lie from `first` to `last`, both included (0 when last < first)."""
        return len(self.working_days(first, last))

    def assumed_years(self, first: date, last: date) -> tuple[int, ...]:
        """The years between the two days (included) whose working days are only assumed."""
        return tuple(y for y in range(first.year, last.year + 1) if self.is_assumed(date(y, 1, 1)))

    def nth_working_day_from(self, start: date, n: int) -> date:
        """The n-th working day counting `start` itself as the first when it is one (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day = start
        remaining = n
        while True:
            if self.is_working(day):
                remaining -= 1
                if remaining == 0:
                    return day
            day += timedelta(days=1)


# --- quota -----------------------------------------------------------------------------------


class QuotaStatus(StrEnum):
    """An operator's day against the quota."""

    met = "met"
    short = "short"
    day_off = "day_off"  # not a working day: no quota applies


@dataclass(frozen=True)
class DayQuota:
    """One operator-day: good pages against the quota."""

    day: date
    good_pages: int
    quota: int
    status: QuotaStatus

    @property
    def shortfall(self) -> int:
        """Pages missing to the quota (0 when met or on a day off)."""
        return self.quota - self.good_pages if self.status is QuotaStatus.short else 0

    @property
    def percent(self) -> int:
        """Good pages as a whole percentage of the quota (0 without a quota; may pass 100)."""
        return percent_of(self.good_pages, self.quota)


def percent_of(value: float, whole: float) -> int:
    """`value` as a whole percentage of `whole`, rounded half up; 0 when `whole` is not positive."""
    if whole <= 0:
        return 0
    return math.floor(100 * value / whole + 0.5)


def quota_status(good_pages: int, quota: int, working_day: bool) -> QuotaStatus:
    """Met when a working day's good pages reach the quota; days off carry no quota."""
    if not working_day:
        return QuotaStatus.day_off
    return QuotaStatus.met if good_pages >= quota else QuotaStatus.short


def day_quota(day: date, good_pages: int, quota: int, calendar: WorkCalendar) -> DayQuota:
    """The quota status of one operator-day."""
    return DayQuota(day, good_pages, quota, quota_status(good_pages, quota, calendar.is_working(day)))


# --- an operator over a period ---------------------------------------------------------------


@dataclass(frozen=True)
class OperatorDayFigures:
    """What an operator did on one day (one row of the daily summary, all stations together)."""

    day: date
    good_pages: int
    images: int = 0
    failed_images: int = 0
    reshoots: int = 0


@dataclass(frozen=True)
class OperatorPeriod:
    """An operator's figures over a period, against the daily quota."""

    good_pages: int
    images: int
    failed_images: int
    reshoots: int
    working_days_on_duty: int
    days_off_worked: int
    days_met: int
    quota: int

    @property
    def average(self) -> float | None:
        """Good pages per working day on duty (None when the operator worked no working day)."""
        if self.working_days_on_duty == 0:
            return None
        return self.good_pages / self.working_days_on_duty

    @property
    def average_percent(self) -> int | None:
        """The average as a percentage of the quota."""
        avg = self.average
        return None if avg is None else percent_of(avg, self.quota)

    @property
    def meets_quota(self) -> bool | None:
        """Whether the average reaches the quota (None without working days on duty)."""
        avg = self.average
        return None if avg is None else avg >= self.quota

    @property
    def reshoot_rate(self) -> float | None:
        """Re-shoot uploads / all uploads (None without uploads)."""
        return reshoot_rate(self.reshoots, self.images)

    @property
    def failure_rate(self) -> float | None:
        """Uploads that failed QC / all uploads (None without uploads)."""
        return None if self.images == 0 else self.failed_images / self.images


def reshoot_rate(reshoots: int, images: int) -> float | None:
    """Re-shoot uploads as a fraction of all uploads; None when nothing was uploaded."""
    if images < 0 or reshoots < 0 or reshoots > images:
        raise ValueError("re-shoots must lie between 0 and the number of uploads")
    return None if images == 0 else reshoots / images


def _on_duty(d: OperatorDayFigures) -> bool:
    return d.images > 0 or d.good_pages > 0


def operator_period(days: Iterable[OperatorDayFigures], quota: int, calendar: WorkCalendar) -> OperatorPeriod:
    """Sum an operator's days (one entry per day) and judge them against the quota."""
    good = images = failed = reshoots = on_duty = off_worked = met = 0
    seen: set[date] = set()
    for d in days:
        if d.day in seen:
            raise ValueError(f"{d.day} is given twice: merge an operator's stations into one entry per day")
        seen.add(d.day)
        good += d.good_pages
        images += d.images
        failed += d.failed_images
        reshoots += d.reshoots
        if not _on_duty(d):
            continue
        if calendar.is_working(d.day):
            on_duty += 1
            if d.good_pages >= quota:
                met += 1
        else:
            off_worked += 1
    return OperatorPeriod(good, images, failed, reshoots, on_duty, off_worked, met, quota)


def running_average(days: Sequence[OperatorDayFigures], calendar: WorkCalendar) -> list[tuple[date, float]]:
    """The operator's average to date after each working day on duty, in day order."""
    out: list[tuple[date, float]] = []
    good = on_duty = 0
    for d in sorted(days, key=lambda x: x.day):
        good += d.good_pages
        if _on_duty(d) and calendar.is_working(d.day):
            on_duty += 1
            out.append((d.day, good / on_duty))
    return out


# --- the project ------------------------------------------------------------------------------


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
