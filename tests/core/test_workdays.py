"""Working-day calendar: hand-checked against the State Council's 2026 holiday notice."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.workdays import (
    PACKAGE_LAST_YEAR,
    CalendarNotCovered,
    add_working_days,
    covered_years,
    is_working_day,
    working_days_between,
    working_days_in,
)

D = date.fromisoformat

# 2027 entered by a project as overrides (a made-up notice, only its shape matters here).
OVERRIDES_2027 = {
    D("2027-01-01"): False,  # Friday, New Year's Day
    D("2027-02-06"): True,  # Saturday, adjusted working day
    **{D("2027-02-08") + timedelta(days=i): False for i in range(7)},  # Mon 8 .. Sun 14 off
}


def test_package_data_ends_in_2026() -> None:
    assert PACKAGE_LAST_YEAR == 2026


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday before the holiday
        ("2026-02-14", True),  # Saturday, adjusted working day
        ("2026-02-15", False),  # Sunday, holiday starts
        ("2026-02-16", False),
        ("2026-02-17", False),  # Spring Festival
        ("2026-02-20", False),  # Friday inside the holiday
        ("2026-02-23", False),  # Monday, last day off
        ("2026-02-24", True),  # Tuesday, back to work
        ("2026-02-28", True),  # Saturday, adjusted working day
        ("2026-03-01", False),  # plain Sunday
        ("2026-03-02", True),  # plain Monday
        ("2026-01-01", False),
        ("2026-01-02", False),  # Friday off for New Year
        ("2026-01-04", True),  # Sunday, adjusted working day
        ("2026-09-20", True),  # Sunday, adjusted working day for National Day
        ("2026-09-25", False),  # Mid-Autumn Festival (Friday)
        ("2026-10-01", False),
        ("2026-10-07", False),  # Wednesday, last day of National Day
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, adjusted working day
        ("2026-10-11", False),  # plain Sunday
    ],
)
def test_is_working_day_2026(day: str, working: bool) -> None:
    assert is_working_day(D(day)) is working


def test_spring_festival_2026_week() -> None:
    # Fri 13 -> Sat 14 (adjusted) -> Tue 24 after the nine days off.
    assert add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    assert add_working_days(D("2026-02-14"), 1) == D("2026-02-24")
    assert add_working_days(D("2026-02-13"), 2) == D("2026-02-24")
    # Mon 9 Feb -> Sun 1 Mar: 10,11,12,13, 14(Sat), 24,25,26,27, 28(Sat) = 10 working days.
    assert working_days_between(D("2026-02-09"), D("2026-03-01")) == 10
    assert working_days_in(D("2026-02-14"), D("2026-02-24")) == [D("2026-02-14"), D("2026-02-24")]


def test_national_day_2026() -> None:
    assert add_working_days(D("2026-09-30"), 1) == D("2026-10-08")
    assert add_working_days(D("2026-09-30"), 3) == D("2026-10-10")  # 8, 9, Sat 10
    assert add_working_days(D("2026-09-30"), 4) == D("2026-10-12")  # Sun 11 is off
    assert working_days_between(D("2026-09-30"), D("2026-10-11")) == 3
    # Fri 18 Sep -> Sun 20 (adjusted working Sunday) -> Mon 21.
    assert add_working_days(D("2026-09-18"), 1) == D("2026-09-20")
    # Thu 24 Sep -> Mid-Autumn Fri 25..Sun 27 -> Mon 28.
    assert add_working_days(D("2026-09-24"), 1) == D("2026-09-28")


def test_sixty_working_days_from_end_of_january_2026() -> None:
    # Hand count: Feb 16 (incl. Sat 14 and Sat 28), Mar 22 -> 38, Apr 1-3 -> 41, Apr 7-30 -> 59,
    # May 1-5 off, Wed 6 May is the 60th.
    assert add_working_days(D("2026-01-30"), 60) == D("2026-05-06")
    assert working_days_between(D("2026-01-30"), D("2026-05-06")) == 60


def test_zero_and_negative_steps() -> None:
    assert add_working_days(D("2026-02-15"), 0) == D("2026-02-15")  # n = 0 is the start, even a holiday
    assert add_working_days(D("2026-02-24"), -1) == D("2026-02-14")
    assert add_working_days(D("2026-10-08"), -1) == D("2026-09-30")
    assert working_days_between(D("2026-10-12"), D("2026-09-30")) == -4
    assert working_days_between(D("2026-10-12"), D("2026-10-12")) == 0


def test_override_wins_over_package() -> None:
    overrides = {D("2026-10-08"): False, D("2026-10-11"): True}
    assert add_working_days(D("2026-09-30"), 1, overrides) == D("2026-10-09")
    assert is_working_day(D("2026-10-11"), overrides) is True
    assert is_working_day(D("2026-10-11")) is False


def test_override_year() -> None:
    assert is_working_day(D("2027-01-01"), OVERRIDES_2027) is False
    assert is_working_day(D("2027-01-04"), OVERRIDES_2027) is True  # plain Monday of an entered year
    assert is_working_day(D("2027-01-03"), OVERRIDES_2027) is False  # plain Sunday
    assert is_working_day(D("2027-02-06"), OVERRIDES_2027) is True  # adjusted Saturday
    # Thu 31 Dec 2026 -> Fri 1 Jan off -> Mon 4 Jan.
    assert add_working_days(D("2026-12-31"), 1, OVERRIDES_2027) == D("2027-01-04")
    # Fri 5 Feb -> Sat 6 (adjusted) -> Mon 15 after the week off.
    assert add_working_days(D("2027-02-05"), 2, OVERRIDES_2027) == D("2027-02-15")
    assert 2027 in covered_years(OVERRIDES_2027)
    assert 2028 not in covered_years(OVERRIDES_2027)


def test_uncovered_year_raises() -> None:
    with pytest.raises(CalendarNotCovered) as caught:
        is_working_day(D("2027-03-01"))
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)
    with pytest.raises(CalendarNotCovered):
        add_working_days(D("2026-12-01"), 60)  # runs into 2027
    with pytest.raises(CalendarNotCovered):
        working_days_between(D("2026-12-01"), D("2027-01-10"))
    with pytest.raises(CalendarNotCovered):
        add_working_days(D("2027-12-01"), 60, OVERRIDES_2027)  # 2028 not entered
    # A lone override day is answerable even in an uncovered year... and makes that year covered.
    assert is_working_day(D("2030-05-01"), {D("2030-05-01"): False}) is False


def test_before_package_data_raises() -> None:
    with pytest.raises(CalendarNotCovered):
        is_working_day(D("2003-06-02"))


@given(
    start=st.dates(min_value=D("2004-01-01"), max_value=D("2026-06-30")),
    n=st.integers(min_value=0, max_value=120),
)
def test_add_and_between_are_inverse(start: date, n: int) -> None:
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    assert n == 0 or is_working_day(due)
    assert add_working_days(due, -n) <= start
