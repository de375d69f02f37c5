"""Production rules, pure: the working-day calendar, quota status, operators' averages, re-shoot rate.

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

The project's progress, required pace and forecast are in `app.production.pace`.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from app.core.workdays import CalendarNotCovered, is_working_day


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
