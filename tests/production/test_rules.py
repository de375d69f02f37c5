"""Production rules, by hand: quotas, averages, re-shoot rate, progress, pace and forecast.

The 2026 Spring Festival is the fixture of most cases (State Council notice, 2025-11):
  Sat 14 Feb   working (adjusted)
  Sun 15 Feb - Mon 23 Feb   days off (nine days)
  Sat 28 Feb   working (adjusted)
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.workdays import CalendarNotCovered
from app.production.pace import Progress, cumulative, forecast, planned_on, reached_on, required_pace, trailing_window
from app.production.rules import (
    DayQuota,
    OperatorDayFigures,
    QuotaStatus,
    WorkCalendar,
    day_quota,
    operator_period,
    percent_of,
    quota_status,
    reshoot_rate,
    running_average,
)

CAL = WorkCalendar()


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


# --- the calendar ------------------------------------------------------------------------------


def test_spring_festival_working_days() -> None:
    # 9-13 Feb (5), Sat 14 Feb (1), 15-23 Feb off, 24-27 Feb (4), Sat 28 Feb (1), Sun 1 Mar off
    assert CAL.working_days(d(2, 9), d(3, 1)) == [
        d(2, 9), d(2, 10), d(2, 11), d(2, 12), d(2, 13), d(2, 14),
        d(2, 24), d(2, 25), d(2, 26), d(2, 27), d(2, 28),
    ]  # fmt: skip
    assert CAL.count(d(2, 14), d(2, 24)) == 2
    assert CAL.count(d(2, 15), d(2, 23)) == 0
    assert CAL.count(d(2, 24), d(2, 23)) == 0


def test_adjusted_saturday_is_working_and_sunday_in_between_is_not() -> None:
    assert CAL.is_working(d(2, 14)) and CAL.is_working(d(2, 28))
    assert not CAL.is_working(d(2, 21)) and not CAL.is_working(d(3, 1))


def test_project_override_wins() -> None:
    cal = WorkCalendar({d(2, 24): False, d(2, 22): True})
    assert not cal.is_working(d(2, 24)) and cal.is_working(d(2, 22))
    assert cal.count(d(2, 14), d(2, 24)) == 2  # 14 Feb and the overridden 22 Feb


def test_nth_working_day_counts_the_start_when_it_works() -> None:
    assert CAL.nth_working_day_from(d(2, 13), 1) == d(2, 13)
    assert CAL.nth_working_day_from(d(2, 13), 2) == d(2, 14)  # the adjusted Saturday
    assert CAL.nth_working_day_from(d(2, 13), 3) == d(2, 24)  # over the whole festival
    assert CAL.nth_working_day_from(d(2, 15), 1) == d(2, 24)
    with pytest.raises(ValueError):
        CAL.nth_working_day_from(d(2, 15), 0)


def test_uncovered_year_is_assumed_monday_to_friday_and_said_so() -> None:
    assert CAL.is_working(d(1, 1, 2027))  # a Friday: assumed working (New Year unknown!)
    assert not CAL.is_working(d(1, 2, 2027))  # Saturday
    assert CAL.is_assumed(d(1, 1, 2027)) and not CAL.is_assumed(d(12, 31))
    assert CAL.assumed_years(d(12, 1), d(1, 31, 2027)) == (2027,)
    entered = WorkCalendar({d(1, 1, 2027): False})
    assert not entered.is_working(d(1, 1, 2027))
    assert entered.is_working(d(1, 4, 2027))  # the year counts as entered: weekdays work
    assert entered.assumed_years(d(12, 1), d(1, 31, 2027)) == ()


def test_strict_calendar_refuses_uncovered_years() -> None:
    with pytest.raises(CalendarNotCovered):
        WorkCalendar(assume_uncovered=False).is_working(d(3, 1, 2027))


# --- quota -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "quota", "working", "status"),
    [
        (3000, 3000, True, QuotaStatus.met),
        (3001, 3000, True, QuotaStatus.met),
        (2999, 3000, True, QuotaStatus.short),
        (0, 3000, True, QuotaStatus.short),
        (5000, 3000, False, QuotaStatus.day_off),
        (0, 3000, False, QuotaStatus.day_off),
    ],
)
def test_quota_status(good: int, quota: int, working: bool, status: QuotaStatus) -> None:
    assert quota_status(good, quota, working) is status


def test_day_quota_during_spring_festival() -> None:
    saturday = day_quota(d(2, 14), 2000, 3000, CAL)
    assert saturday == DayQuota(d(2, 14), 2000, 3000, QuotaStatus.short)
    assert saturday.shortfall == 1000 and saturday.percent == 67  # 66.67 rounds up
    holiday = day_quota(d(2, 17), 500, 3000, CAL)
    assert holiday.status is QuotaStatus.day_off and holiday.shortfall == 0
    assert day_quota(d(2, 24), 3300, 3000, CAL).percent == 110


def test_percent_rounds_half_up() -> None:
    assert percent_of(1, 200) == 1  # 0.5 -> 1 (Python's round() would say 0)
    assert percent_of(2999, 3000) == 100
    assert percent_of(1500, 3000) == 50
    assert percent_of(10, 0) == 0


# --- an operator over the festival -------------------------------------------------------------

FESTIVAL_WEEKS = [
    OperatorDayFigures(d(2, 12), good_pages=3100, images=3300, failed_images=150, reshoots=120),  # Thu: met
    OperatorDayFigures(d(2, 13), good_pages=2900, images=3000, failed_images=80, reshoots=70),  # Fri: short
    OperatorDayFigures(d(2, 14), good_pages=3000, images=3100, failed_images=90, reshoots=50),  # Sat (working): met
    OperatorDayFigures(d(2, 16), good_pages=1000, images=1020, failed_images=20, reshoots=10),  # holiday overtime
    OperatorDayFigures(d(2, 24), good_pages=2600, images=2800, failed_images=160, reshoots=100),  # Tue: short
    OperatorDayFigures(d(2, 25), good_pages=0, images=0),  # absent
]


def test_operator_average_over_spring_festival() -> None:
    p = operator_period(FESTIVAL_WEEKS, 3000, CAL)
    assert p.good_pages == 3100 + 2900 + 3000 + 1000 + 2600 == 12600
    assert p.working_days_on_duty == 4  # 12, 13, 14 (Sat) and 24 Feb; not the absent 25th
    assert p.days_off_worked == 1  # 16 Feb
    assert p.average == 12600 / 4 == 3150
    assert p.average_percent == 105 and p.meets_quota is True
    assert p.days_met == 2  # 12 and 14 Feb
    assert p.images == 13220 and p.failed_images == 500 and p.reshoots == 350
    assert p.reshoot_rate == pytest.approx(350 / 13220)
    assert p.failure_rate == pytest.approx(500 / 13220)


def test_running_average_moves_on_working_days_only() -> None:
    assert running_average(FESTIVAL_WEEKS, CAL) == [
        (d(2, 12), 3100.0),
        (d(2, 13), 3000.0),
        (d(2, 14), 3000.0),
        (d(2, 24), 3150.0),  # (9000 + 1000 overtime + 2600) / 4
    ]


def test_operator_who_worked_only_on_a_holiday_has_no_average() -> None:
    p = operator_period([OperatorDayFigures(d(2, 18), 1200, 1250)], 3000, CAL)
    assert p.average is None and p.average_percent is None and p.meets_quota is None
    assert p.days_off_worked == 1 and p.good_pages == 1200


def test_operator_below_quota_on_average() -> None:
    days = [OperatorDayFigures(d(2, 26), 2800, 2900), OperatorDayFigures(d(2, 27), 3100, 3150)]
    p = operator_period(days, 3000, CAL)
    assert p.average == 2950 and p.meets_quota is False and p.average_percent == 98  # 98.33


def test_one_entry_per_day() -> None:
    with pytest.raises(ValueError):
        operator_period([OperatorDayFigures(d(2, 12), 1, 1), OperatorDayFigures(d(2, 12), 2, 2)], 3000, CAL)


def test_reshoot_rate() -> None:
    assert reshoot_rate(0, 0) is None
    assert reshoot_rate(1, 4) == 0.25
    assert reshoot_rate(0, 7) == 0.0
    with pytest.raises(ValueError):
        reshoot_rate(5, 4)


# --- progress and pace ---------------------------------------------------------------------------


def test_progress() -> None:
    p = Progress(900_000, 3_600_000)
    assert (p.remaining, p.fraction, p.percent) == (2_700_000, 0.25, 25.0)
    assert Progress(1, 3).percent == 33.3
    assert Progress(2, 3).percent == 66.7
    over = Progress(3_700_000, 3_600_000)
    assert over.remaining == 0 and over.percent == 102.8


def test_required_pace_across_the_festival() -> None:
    # From Thu 12 Feb to Sat 28 Feb: 12, 13, 14, 24, 25, 26, 27, 28 = 8 working days
    pace = required_pace(4000, 10_000, d(2, 12), d(2, 28), CAL)
    assert (pace.remaining, pace.working_days_left, pace.per_day) == (6000, 8, 750)
    assert required_pace(3999, 10_000, d(2, 12), d(2, 28), CAL).per_day == 751  # 6001 / 8, rounded up
    # An end date inside the festival: only 12, 13 and 14 Feb are left
    assert required_pace(4000, 10_000, d(2, 12), d(2, 23), CAL).per_day == 2000


def test_required_pace_after_the_end_and_when_done() -> None:
    late = required_pace(9000, 10_000, d(3, 2), d(2, 28), CAL)
    assert late.working_days_left == 0 and late.per_day is None and late.overdue
    done = required_pace(10_500, 10_000, d(2, 12), d(2, 28), CAL)
    assert done.per_day == 0 and not done.overdue


def test_required_pace_flags_assumed_years() -> None:
    pace = required_pace(0, 3_600_000, d(11, 23), d(11, 22, 2029), CAL)
    assert pace.assumed_years == (2027, 2028, 2029)
    # 2026-11-23 .. 2026-12-31: 29 official working days; 2027-2029 assumed Mon-Fri up to 2029-11-22
    weekdays = sum(
        1 for n in range((d(11, 22, 2029) - d(1, 1, 2027)).days + 1) if (d(1, 1, 2027) + timedelta(n)).weekday() < 5
    )
    assert pace.working_days_left == CAL.count(d(11, 23), d(12, 31)) + weekdays


# --- forecast --------------------------------------------------------------------------------------

DAILY = {
    d(2, 11): 9999,  # outside a 5-day window seen from 26 Feb
    d(2, 12): 3000,
    d(2, 13): 3000,
    d(2, 14): 2000,  # the adjusted Saturday
    d(2, 16): 1000,  # holiday overtime, inside the window's span
    d(2, 24): 2500,
    d(2, 25): 3500,
    d(2, 26): 700,  # today, partial
}


def test_trailing_window_skips_the_festival() -> None:
    first, last, days = trailing_window(d(2, 26), d(2, 2), CAL, 5)
    assert (first, last) == (d(2, 12), d(2, 25))
    assert days == [d(2, 12), d(2, 13), d(2, 14), d(2, 24), d(2, 25)]
    assert trailing_window(d(2, 26), d(2, 24), CAL, 20)[2] == [d(2, 24), d(2, 25)]
    assert trailing_window(d(2, 24), d(2, 24), CAL, 20) is None


def test_forecast_over_the_festival() -> None:
    fc = forecast(DAILY, target=40_000, today=d(2, 26), start_date=d(2, 2), end_date=d(3, 31), calendar=CAL, window=5)
    # window 12-25 Feb: 3000 + 3000 + 2000 + 1000 + 2500 + 3500 = 15000 over 5 working days
    assert fc.pace == 3000 and fc.window_working_days == 5
    # missing at the start of today: 40000 - 24999 = 15001 -> 6 working days (5.0003 rounded up)
    assert fc.working_days_needed == 6
    # 26, 27, 28 (Sat, working), 2, 3, 4 March
    assert fc.finish_date == d(3, 4) and fc.on_time is True and fc.reached_on is None
    late = forecast(DAILY, target=40_000, today=d(2, 26), start_date=d(2, 2), end_date=d(3, 3), calendar=CAL, window=5)
    assert late.finish_date == d(3, 4) and late.on_time is False


def test_forecast_window_shorter_at_the_start() -> None:
    fc = forecast(DAILY, target=40_000, today=d(2, 26), start_date=d(2, 12), end_date=d(3, 31), calendar=CAL)
    assert fc.window_working_days == 5 and fc.pace == 3000  # only 5 working days since the start


def test_forecast_without_history_or_pace() -> None:
    none = forecast({}, target=1000, today=d(2, 2), start_date=d(2, 2), end_date=d(3, 31), calendar=CAL)
    assert none.pace is None and none.finish_date is None and none.on_time is None
    idle = forecast({d(1, 5): 10}, target=1000, today=d(2, 26), start_date=d(1, 5), end_date=d(3, 31), calendar=CAL)
    assert idle.pace == 0 and idle.finish_date is None and not idle.out_of_sight


def test_forecast_too_slow_is_out_of_sight() -> None:
    fc = forecast({d(2, 25): 1}, target=10**9, today=d(2, 26), start_date=d(2, 2), end_date=d(3, 31), calendar=CAL)
    assert fc.finish_date is None and fc.out_of_sight


def test_target_reached() -> None:
    # cumulative: 11 Feb 9999, 12 Feb 12999, 13 Feb 15999, 14 Feb 17999, 16 Feb 18999, 24 Feb 21499
    assert reached_on(DAILY, 20_000) == d(2, 24)
    fc = forecast(DAILY, target=20_000, today=d(2, 26), start_date=d(2, 2), end_date=d(2, 25), calendar=CAL)
    assert fc.reached_on == d(2, 24) and fc.finish_date is None and fc.on_time is True
    assert reached_on(DAILY, 10**6) is None


def test_forecast_into_an_uncovered_year_and_with_its_notice_entered() -> None:
    daily = {d(12, 29): 3000}  # Tue 29 Dec; today Wed 30 Dec: pace 3000 over one working day
    fc = forecast(daily, target=12_000, today=d(12, 30), start_date=d(12, 29), end_date=d(3, 31, 2027), calendar=CAL)
    # 9000 missing = 3 working days: 30 Dec, 31 Dec, and Fri 1 Jan 2027 -- only assumed to work
    assert fc.finish_date == d(1, 1, 2027) and 2027 in fc.assumed_years
    entered = WorkCalendar({d(1, 1, 2027): False})
    fc = forecast(
        daily, target=12_000, today=d(12, 30), start_date=d(12, 29), end_date=d(3, 31, 2027), calendar=entered
    )
    assert fc.finish_date == d(1, 4, 2027) and fc.assumed_years == ()


# --- chart series --------------------------------------------------------------------------------


def test_cumulative_carries_earlier_days() -> None:
    daily = {d(12, 31, 2025): 2, d(1, 1): 5, d(1, 3): 7}
    assert cumulative(daily, d(1, 1), d(1, 4)) == [(d(1, 1), 7), (d(1, 2), 7), (d(1, 3), 14), (d(1, 4), 14)]


def test_planned_line() -> None:
    start, end = d(1, 1), d(1, 10)  # 10 days
    assert planned_on(start, start, end, 1000) == 100
    assert planned_on(d(1, 5), start, end, 1000) == 500
    assert planned_on(end, start, end, 1000) == 1000
    assert planned_on(d(12, 31, 2025), start, end, 1000) == 0
    assert planned_on(d(2, 1), start, end, 1000) == 1000


# --- properties ----------------------------------------------------------------------------------

days_2026 = st.dates(min_value=d(1, 5), max_value=d(12, 20))


@given(
    today=days_2026,
    daily=st.dictionaries(days_2026, st.integers(min_value=0, max_value=6000), max_size=40),
    target=st.integers(min_value=1, max_value=500_000),
)
def test_forecast_finish_is_a_working_day_that_covers_the_remaining_pages(
    today: date, daily: dict[date, int], target: int
) -> None:
    fc = forecast(daily, target=target, today=today, start_date=d(1, 5), end_date=d(12, 31), calendar=CAL, window=20)
    if fc.finish_date is not None:
        assert CAL.is_working(fc.finish_date) and fc.finish_date >= today
        remaining = target - sum(n for day, n in daily.items() if day < today)
        assert fc.pace is not None and fc.working_days_needed is not None
        assert fc.working_days_needed * fc.pace >= remaining > (fc.working_days_needed - 1) * fc.pace
        assert CAL.count(today, fc.finish_date) == fc.working_days_needed


@given(
    st.lists(
        st.tuples(days_2026, st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=200)),
        max_size=30,
        unique_by=lambda t: t[0],
    )
)
def test_average_times_days_on_duty_is_the_total(entries: list[tuple[date, int, int]]) -> None:
    figures = [OperatorDayFigures(day, good, good + extra, 0, extra) for day, good, extra in entries]
    p = operator_period(figures, 3000, CAL)
    if p.average is not None:
        assert p.average * p.working_days_on_duty == pytest.approx(p.good_pages)
    assert p.working_days_on_duty + p.days_off_worked == sum(1 for f in figures if f.images or f.good_pages)
