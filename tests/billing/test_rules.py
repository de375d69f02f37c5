"""Billing rules with hand-computed figures: line amounts, the cap, due dates, payments, late charges."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.billing.rules import (
    Payment,
    bill_lots,
    capped_line,
    late_charge,
    line_amount,
    outstanding,
    paid_by,
    payable_status,
    payment_due_date,
    round_yuan,
    termination_payment_due_date,
)
from app.core.workdays import CalendarNotCovered

D = date.fromisoformat
Y = Decimal
PRICE = Y("0.077")
CAP = Y("277200.00")
RATE = Y("0.0005")  # 0.05% a day


# --- line amounts ------------------------------------------------------------------------------


def test_one_page_is_billed_eight_fen_and_explained_as_0_077() -> None:
    line = line_amount(1, PRICE)
    assert line.exact == Y("0.077")
    assert line.amount == Y("0.08")
    assert str(line.amount) == "0.08"


def test_the_whole_project_is_exactly_the_cap() -> None:
    line = line_amount(3_600_000, PRICE)
    assert line.exact == Y("277200")
    assert line.amount == Y("277200.00")
    assert str(line.amount) == "277200.00"


@pytest.mark.parametrize(
    ("pages", "exact", "billed"),
    [
        (0, "0", "0.00"),
        (5, "0.385", "0.39"),  # half-up; banker's rounding would give 0.38
        (13, "1.001", "1.00"),
        (15, "1.155", "1.16"),
        (1000, "77.000", "77.00"),  # rounded once per line, not per page (1000 × 0.08 would be 80.00)
        (12_345, "950.565", "950.57"),
        (1_200_000, "92400.000", "92400.00"),
    ],
)
def test_line_amounts(pages: int, exact: str, billed: str) -> None:
    line = line_amount(pages, PRICE)
    assert line.exact == Y(exact)
    assert line.amount == Y(billed)
    assert line.amount.as_tuple().exponent == -2


def test_round_yuan_half_up() -> None:
    assert round_yuan(Y("0.005")) == Y("0.01")
    assert round_yuan(Y("0.0049999")) == Y("0.00")
    assert round_yuan(Y("2.675")) == Y("2.68")  # 2.675 as a float is 2.67499999...


def test_line_amount_refuses_floats_and_negatives() -> None:
    with pytest.raises(TypeError):
        line_amount(1, 0.077)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        line_amount(-1, PRICE)
    with pytest.raises(ValueError):
        line_amount(1, Y("-0.077"))


# --- the cap -----------------------------------------------------------------------------------


def test_lot_crossing_the_cap() -> None:
    # 100.00 left under the cap; 2,000 pages would be 154.000.
    # 100 / 0.077 = 1298.7: 1,298 pages make 99.946, the 1,299th is paid 0.054 of its 0.077.
    line = capped_line(2000, PRICE, Y("277100.00"), CAP)
    assert line.capped
    assert line.amount == Y("100.00")
    assert line.exact == Y("100.00")
    assert line.billable_pages == 1299
    assert line.not_billable_pages == 701
    assert line.billed_after == CAP
    assert line.cap_remaining == Y("0.00")


def test_lot_filling_the_cap_exactly_is_not_cut() -> None:
    line = capped_line(1000, PRICE, Y("277123.00"), CAP)  # 77.000 = the 77.00 left
    assert not line.capped
    assert (line.billable_pages, line.not_billable_pages, line.amount) == (1000, 0, Y("77.00"))
    assert line.cap_remaining == 0


def test_after_the_cap_nothing_is_billable() -> None:
    line = capped_line(5000, PRICE, CAP, CAP)
    assert (line.billable_pages, line.not_billable_pages, line.amount) == (5000 - 5000, 5000, Y("0"))


def test_three_lots_over_the_cap() -> None:
    # 1,500,000 pages = 115,500.00 twice (231,000.00), then 700,000 pages would be 53,900.00
    # but only 46,200.00 is left = exactly 600,000 pages; 100,000 delivered, not billable.
    lines = bill_lots([1_500_000, 1_500_000, 700_000, 10], PRICE, CAP, Y("0"))
    assert [line.amount for line in lines] == [Y("115500.00"), Y("115500.00"), Y("46200.00"), Y("0")]
    assert [line.billable_pages for line in lines] == [1_500_000, 1_500_000, 600_000, 0]
    assert [line.not_billable_pages for line in lines] == [0, 0, 100_000, 10]
    assert lines[-1].billed_after == CAP


def test_rounding_near_the_cap_never_passes_it() -> None:
    lines = bill_lots([1, 1, 1], PRICE, CAP, Y("277199.90"))
    # 0.077 fits in 0.10 and rounds to 0.08; then 0.02 left, and 0.077 does not fit.
    assert [line.amount for line in lines] == [Y("0.08"), Y("0.02"), Y("0")]
    assert [line.billable_pages for line in lines] == [1, 1, 0]
    assert lines[1].capped and lines[1].exact == Y("0.02")
    assert lines[-1].billed_after == CAP


def test_cap_refuses_bad_figures() -> None:
    with pytest.raises(ValueError):
        capped_line(1, PRICE, Y("277200.01"), CAP)  # already past the cap
    with pytest.raises(ValueError):
        capped_line(1, PRICE, Y("0.001"), CAP)  # not a whole fen
    with pytest.raises(TypeError):
        capped_line(1, PRICE, 0, CAP)  # type: ignore[arg-type]


@given(
    lots=st.lists(st.integers(min_value=0, max_value=2_000_000), max_size=12),
    price=st.decimals(min_value=Y("0.001"), max_value=Y("1"), places=3),
    cap=st.decimals(min_value=0, max_value=Y("500000"), places=2),
)
def test_cumulative_billing_never_exceeds_the_cap(lots: list[int], price: Decimal, cap: Decimal) -> None:
    lines = bill_lots(lots, price, cap, Y("0"))
    billed = Y("0")
    for line in lines:
        assert line.amount >= 0
        assert line.amount == line.amount.quantize(Y("0.01"))
        assert 0 <= line.billable_pages <= line.pages
        if not line.capped:
            assert line.amount == line_amount(line.pages, price).amount
        else:
            # The billable pages pay for the amount: one page fewer would not reach it.
            assert (line.billable_pages - 1) * price < line.amount <= line.billable_pages * price
        billed += line.amount
        assert billed == line.billed_after <= cap


# --- due dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "term", "due"),
    [
        ("2026-01-30", 60, "2026-05-06"),  # Spring Festival, Tomb-Sweeping and Labour Day inside; see test_workdays
        ("2026-08-31", 60, "2026-11-27"),  # Sun 20 Sep and Sat 10 Oct worked, 25 Sep and 1-7 Oct off
        ("2026-02-13", 5, "2026-02-27"),  # Sat 14 Feb worked, 15-23 off: 14, 24, 25, 26, 27
        ("2026-09-30", 5, "2026-10-13"),  # National Day: 8, 9, Sat 10, 12, 13
        ("2026-10-09", 1, "2026-10-10"),  # an adjusted working Saturday is a due date
        ("2026-02-27", 1, "2026-02-28"),  # the other Spring Festival working Saturday
        ("2026-05-06", 0, "2026-05-06"),
    ],
)
def test_payment_due_dates(accepted: str, term: int, due: str) -> None:
    assert payment_due_date(D(accepted), term, {}) == D(due)


def test_due_date_in_an_uncovered_year_needs_overrides() -> None:
    with pytest.raises(CalendarNotCovered):
        payment_due_date(D("2026-11-01"), 60, {})
    overrides = {D("2027-01-01"): False}  # a project that has entered 2027 (here: only New Year's Day)
    # Nov 2 .. Nov 30 is 21 working days, Dec 1 .. Dec 31 brings 44; Fri 1 Jan off;
    # Jan 4-8 -> 49, 11-15 -> 54, 18-22 -> 59, Mon 25 Jan is the 60th.
    assert payment_due_date(D("2026-11-01"), 60, overrides) == D("2027-01-25")


def test_termination_payment_is_due_in_calendar_days() -> None:
    assert termination_payment_due_date(D("2026-09-28"), 7) == D("2026-10-05")  # holidays count
    assert termination_payment_due_date(D("2026-12-28"), 7) == D("2027-01-04")


# --- payments ----------------------------------------------------------------------------------


def test_partial_payment() -> None:
    payments = [Payment(D("2026-03-05"), Y("400.00"))]
    assert outstanding(Y("1000.00"), payments, D("2026-03-04")) == Y("1000.00")
    assert outstanding(Y("1000.00"), payments, D("2026-03-05")) == Y("600.00")
    assert paid_by(Y("1000.00"), payments, D("2026-12-31")) == Y("400.00")
    with pytest.raises(ValueError):
        outstanding(Y("1000.00"), [*payments, Payment(D("2026-03-06"), Y("600.01"))], D("2026-03-06"))
    with pytest.raises(ValueError):
        outstanding(Y("1000.00"), [Payment(D("2026-03-06"), Y("0.001"))], D("2026-03-06"))


# --- late-payment charges ----------------------------------------------------------------------


def test_payment_fifteen_days_late() -> None:
    # 10,000.00 due Wed 6 May 2026, paid Thu 21 May: late 7..21 May = 15 days × 5.00 = 75.00.
    charge = late_charge(
        Y("10000.00"), D("2026-05-06"), [Payment(D("2026-05-21"), Y("10000.00"))], D("2026-06-30"), RATE
    )
    assert charge.amount == Y("75.00")
    assert [(p.unpaid, p.after, p.through, p.days) for p in charge.periods] == [
        (Y("10000.00"), D("2026-05-06"), D("2026-05-21"), 15)
    ]


def test_the_due_date_itself_is_not_late() -> None:
    due = D("2026-05-06")
    on_time = late_charge(Y("10000.00"), due, [Payment(due, Y("10000.00"))], D("2026-06-30"), RATE)
    assert on_time.amount == Y("0.00") and on_time.periods == ()
    assert late_charge(Y("10000.00"), due, [], due, RATE).amount == Y("0.00")  # unpaid, but not late yet
    one_day = late_charge(Y("10000.00"), due, [Payment(D("2026-05-07"), Y("10000.00"))], D("2026-06-30"), RATE)
    assert one_day.amount == Y("5.00")
    assert late_charge(Y("10000.00"), due, [], D("2026-05-07"), RATE).amount == Y("5.00")


def test_partial_payment_then_the_rest_late() -> None:
    # 10,000.00 due 10 Mar; 4,000.00 on 20 Mar (10 days on 10,000), 6,000.00 on 9 Apr (20 days on 6,000).
    payments = [Payment(D("2026-04-09"), Y("6000.00")), Payment(D("2026-03-20"), Y("4000.00"))]  # any order
    charge = late_charge(Y("10000.00"), D("2026-03-10"), payments, D("2026-12-31"), RATE)
    assert [(p.unpaid, p.days, p.exact) for p in charge.periods] == [
        (Y("10000.00"), 10, Y("50")),
        (Y("6000.00"), 20, Y("60")),
    ]
    assert charge.amount == Y("110.00")
    # Computed to a date in between: 50 + 6,000 × 0.0005 × 11 (21..31 Mar) = 83.00.
    assert late_charge(Y("10000.00"), D("2026-03-10"), payments, D("2026-03-31"), RATE).amount == Y("83.00")
    # Before the due date nothing is owed.
    assert late_charge(Y("10000.00"), D("2026-03-10"), payments, D("2026-03-01"), RATE).amount == Y("0.00")


def test_partial_payment_before_the_due_date() -> None:
    # 1,000.00 due 10 Jan; 400.00 on time on 5 Jan; 600.00 on 20 Jan: 600 × 0.0005 × 10 = 3.00.
    payments = [Payment(D("2026-01-05"), Y("400.00")), Payment(D("2026-01-20"), Y("600.00"))]
    assert late_charge(Y("1000.00"), D("2026-01-10"), payments, D("2026-02-01"), RATE).amount == Y("3.00")


def test_charge_is_rounded_once_at_the_end() -> None:
    # 30.00 due 10 Jan; 15.00 on 11 Jan (0.015) and 15.00 on 12 Jan (0.0075): 0.0225 -> 0.02
    # (rounding each period would give 0.02 + 0.01 = 0.03).
    payments = [Payment(D("2026-01-11"), Y("15.00")), Payment(D("2026-01-12"), Y("15.00"))]
    charge = late_charge(Y("30.00"), D("2026-01-10"), payments, D("2026-01-31"), RATE)
    assert charge.exact == Y("0.0225")
    assert charge.amount == Y("0.02")
    # 123.45 unpaid 3 days: 0.185175 -> 0.19.
    assert late_charge(Y("123.45"), D("2026-01-10"), [], D("2026-01-13"), RATE).amount == Y("0.19")


def test_payments_later_than_the_date_asked_do_not_count_yet() -> None:
    payments = [Payment(D("2026-01-20"), Y("2000.00"))]
    charge = late_charge(Y("2000.00"), D("2026-01-10"), payments, D("2026-01-15"), RATE)
    assert charge.amount == Y("5.00")  # 5 days × 1.00


def test_two_payments_on_one_late_day() -> None:
    payments = [Payment(D("2026-01-15"), Y("500.00")), Payment(D("2026-01-15"), Y("500.00"))]
    charge = late_charge(Y("2000.00"), D("2026-01-10"), payments, D("2026-01-20"), RATE)
    # 5 days on 2,000 (5.00), then 5 days on 1,000 (2.50).
    assert charge.amount == Y("7.50")
    assert [p.days for p in charge.periods] == [5, 5]


def test_late_charge_across_the_year_end() -> None:
    # 2,000.00 due 25 Dec 2026, unpaid on 5 Jan 2027: 26 Dec .. 5 Jan = 11 days × 1.00.
    assert late_charge(Y("2000.00"), D("2026-12-25"), [], D("2027-01-05"), RATE).amount == Y("11.00")


@given(
    amount_fen=st.integers(min_value=1, max_value=10**9),
    late_days=st.integers(min_value=-30, max_value=400),
)
def test_one_payment_costs_amount_times_rate_times_days_late(amount_fen: int, late_days: int) -> None:
    amount = Y(amount_fen) / 100
    due = D("2026-05-06")
    paid_on = due + timedelta(days=late_days)
    charge = late_charge(amount, due, [Payment(paid_on, amount)], D("2027-12-31"), RATE)
    assert charge.exact == amount * RATE * max(late_days, 0)
    assert charge.amount == round_yuan(amount * RATE * max(late_days, 0))


@given(
    splits=st.lists(
        st.tuples(st.integers(min_value=-5, max_value=60), st.integers(min_value=1, max_value=10**6)), max_size=6
    ),
    as_of_days=st.integers(min_value=-5, max_value=90),
)
def test_late_charge_equals_the_sum_over_days(splits: list[tuple[int, int]], as_of_days: int) -> None:
    """Against the definition: each day after the due date up to as_of, rate × unpaid at that day's start."""
    due = D("2026-03-10")
    payments = [Payment(due + timedelta(days=d), Y(fen) / 100) for d, fen in splits]
    amount = sum((p.amount for p in payments), Y("0")) + Y("100.00")
    as_of = due + timedelta(days=as_of_days)
    expected = Y("0")
    day = due + timedelta(days=1)
    while day <= as_of:
        unpaid = amount - sum((p.amount for p in payments if p.paid_on < day), Y("0"))
        expected += unpaid * RATE
        day += timedelta(days=1)
    assert late_charge(amount, due, payments, as_of, RATE).exact == expected


def test_payable_status() -> None:
    payments = [Payment(D("2026-03-20"), Y("4000.00"))]
    status = payable_status(Y("10000.00"), D("2026-03-10"), payments, D("2026-03-25"), RATE)
    assert (status.paid, status.outstanding, status.overdue) == (Y("4000.00"), Y("6000.00"), Y("6000.00"))
    assert status.late_charge.amount == Y("65.00")  # 50.00 + 6,000 × 0.0005 × 5
    on_due = payable_status(Y("10000.00"), D("2026-03-10"), payments, D("2026-03-10"), RATE)
    assert (on_due.outstanding, on_due.overdue, on_due.late_charge.amount) == (Y("10000.00"), Y("0"), Y("0.00"))
