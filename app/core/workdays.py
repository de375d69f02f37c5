"""China's official working-day calendar (weekends, public holidays, adjusted working weekends), pure.

The data comes from the `chinesecalendar` package, which carries the State Council's yearly
notices (国务院办公厅关于部分节假日安排的通知) up to the last year it knows. A project-level
override table (`Mapping[date, bool]`, True = working day, False = day off) always wins over
the package, and is how a project enters the years the package does not cover yet.

A year is *covered* when the package has data for it or the overrides hold at least one day of
it (every official year has at least New Year's Day off, so entering a year's notice always
adds entries). Asking about a day of an uncovered year that has no override of its own raises
`CalendarNotCovered`: the contract runs three years, and a silently guessed holiday would move
payment due dates.
"""

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]
from chinese_calendar import constants as _cc_constants

Overrides = Mapping[date, bool]

_NO_OVERRIDES: Overrides = {}

PACKAGE_FIRST_YEAR: int = min(_cc_constants.holidays).year
PACKAGE_LAST_YEAR: int = max(_cc_constants.holidays).year


class CalendarNotCovered(ValueError):
    """A day's working status is unknown: neither the package nor the project's overrides cover its year."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the working-day calendar does not cover {year}: the chinesecalendar data covers "
            f"{PACKAGE_FIRST_YEAR}-{PACKAGE_LAST_YEAR}; enter the official {year} holiday notice "
            f"as project calendar overrides"
        )
        self.year = year


def package_covers(year: int) -> bool:
    """Whether the chinesecalendar package has the official holiday data for a year."""
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def covered_years(overrides: Overrides = _NO_OVERRIDES) -> frozenset[int]:
    """The years the calendar can answer for: the package's years plus every year with an override."""
    return frozenset(range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1)) | {d.year for d in overrides}


def is_working_day(day: date, overrides: Overrides = _NO_OVERRIDES) -> bool:
    """Whether `day` is an official working day in China (an override for the day always wins)."""
    found = overrides.get(day)
    if found is not None:
        return bool(found)
    if package_covers(day.year):
        return bool(chinese_calendar.is_workday(day))
    if any(d.year == day.year for d in overrides):
        # An entered year: weekdays work, weekends rest, unless the overrides say otherwise.
        return day.weekday() < 5
    raise CalendarNotCovered(day.year)


def add_working_days(start: date, n: int, overrides: Overrides = _NO_OVERRIDES) -> date:
    """The n-th working day after `start` (before it when n < 0); `start` itself never counts, n = 0 gives `start`."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(a: date, b: date, overrides: Overrides = _NO_OVERRIDES) -> int:
    """Working days d with a < d <= b (negated when b < a), so add_working_days(a, that) == b on a working day b."""
    if b < a:
        return -working_days_between(b, a, overrides)
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            count += 1
    return count


def working_days_in(first: date, last: date, overrides: Overrides = _NO_OVERRIDES) -> list[date]:
    """The working days from `first` to `last`, both included, in order."""
    days = []
    day = first
    while day <= last:
        if is_working_day(day, overrides):
            days.append(day)
        day += timedelta(days=1)
    return days
