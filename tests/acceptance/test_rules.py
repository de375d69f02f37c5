"""Acceptance rules: sample size, thirds, allocation, decision and deadlines, with hand-computed answers."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.acceptance.rules import (
    acceptance_number,
    allocate,
    correction_deadline,
    decide,
    deemed_accepted,
    deemed_accepted_on,
    plan_flat_sample,
    plan_sample,
    review_deadline,
    sample_size,
    split_thirds,
    termination_review_deadline,
)

D = date.fromisoformat
THREE_PERCENT = Decimal("0.03")


# --- sample size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot", "expected"),
    [
        (0, 0),
        (1, 1),  # ceil(0.03)
        (2, 1),  # ceil(0.06)
        (33, 1),  # ceil(0.99)
        (34, 2),  # ceil(1.02)
        (100, 3),  # exactly 3
        (101, 4),  # ceil(3.03)
        (3000, 90),
        (1_000_000, 30_000),
        (1_000_001, 30_001),  # ceil(30000.03)
        (3_600_000, 108_000),
    ],
)
def test_sample_size_three_percent(lot: int, expected: int) -> None:
    assert sample_size(THREE_PERCENT, lot) == expected


def test_sample_size_edges() -> None:
    assert sample_size(Decimal("1"), 7) == 7
    assert sample_size(Decimal("0"), 7) == 0
    assert sample_size(Decimal("0.999999"), 3) == 3  # ceil(2.999997), never more than N
    assert sample_size(Decimal("0.1"), 30) == 3  # exact in Decimal; 0.1 * 30 in float is 3.0000000000000004


def test_sample_size_refuses_float_and_bad_rates() -> None:
    with pytest.raises(TypeError):
        sample_size(0.03, 100)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sample_size(Decimal("1.01"), 100)
    with pytest.raises(ValueError):
        sample_size(Decimal("-0.01"), 100)
    with pytest.raises(ValueError):
        sample_size(THREE_PERCENT, -1)


@given(rate=st.decimals(min_value=0, max_value=1, places=4), lot=st.integers(min_value=0, max_value=5_000_000))
def test_sample_size_is_the_ceiling(rate: Decimal, lot: int) -> None:
    n = sample_size(rate, lot)
    assert 0 <= n <= lot
    assert n >= rate * lot
    assert n - 1 < rate * lot or n == 0


# --- thirds and allocation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot", "sizes", "per_third"),
    [
        (1, (0, 1, 0), (0, 1, 0)),  # the single page is the middle
        (2, (1, 0, 1), (1, 0, 0)),  # one page to draw, front and back tie, front wins
        (33, (11, 11, 11), (1, 0, 0)),  # three-way tie, front wins
        (34, (11, 12, 11), (1, 1, 0)),  # 2 pages: quotas 0.647, 0.706, 0.647
        (100, (33, 34, 33), (1, 1, 1)),  # 3 pages: quotas 0.99, 1.02, 0.99
        (3000, (1000, 1000, 1000), (30, 30, 30)),
        (1_000_001, (333_334, 333_333, 333_334), (10_001, 10_000, 10_000)),
    ],
)
def test_thirds_and_allocation_for_awkward_sizes(
    lot: int, sizes: tuple[int, int, int], per_third: tuple[int, int, int]
) -> None:
    plan = plan_flat_sample(THREE_PERCENT, lot)
    assert plan.thirds.sizes == sizes
    assert plan.per_third == per_third
    assert sum(plan.per_third) == plan.size == sample_size(THREE_PERCENT, lot)


def test_thirds_bounds() -> None:
    thirds = split_thirds(34)
    assert thirds.bounds == ((0, 11), (11, 23), (23, 34))
    assert [thirds.third_of(i) for i in (0, 10, 11, 22, 23, 33)] == [0, 0, 1, 1, 2, 2]
    with pytest.raises(IndexError):
        thirds.third_of(34)
    assert split_thirds(0).sizes == (0, 0, 0)
    assert split_thirds(35).sizes == (12, 11, 12)


def test_allocate_largest_remainder_by_hand() -> None:
    # 10 over (5, 3, 2) of 10: quotas exactly 5, 3, 2.
    assert allocate(10, (5, 3, 2)) == (5, 3, 2)
    # 7 over (5, 3, 2): quotas 3.5, 2.1, 1.4 -> floors 3, 2, 1, one left to the largest remainder 0.5.
    assert allocate(7, (5, 3, 2)) == (4, 2, 1)
    # 2 over (1, 1, 1): remainders tie, the earlier parts win.
    assert allocate(2, (1, 1, 1)) == (1, 1, 0)
    assert allocate(0, (3, 3, 3)) == (0, 0, 0)
    assert allocate(0, (0, 0, 0)) == (0, 0, 0)
    with pytest.raises(ValueError):
        allocate(4, (1, 1, 1))


@given(lot=st.integers(min_value=0, max_value=2_000_000), data=st.data())
def test_allocation_sums_and_fits(lot: int, data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=0, max_value=lot))
    plan = plan_sample(lot, size)
    assert sum(plan.thirds.sizes) == lot
    assert plan.thirds.sizes[0] == plan.thirds.sizes[2]  # front and back always equal
    assert max(plan.thirds.sizes) - min(plan.thirds.sizes) <= 1
    assert sum(plan.per_third) == size
    for k, s in zip(plan.per_third, plan.thirds.sizes, strict=True):
        assert 0 <= k <= s
        # Largest remainder never strays a whole page from the exact proportional share.
        assert abs(k * lot - size * s) < lot or lot == 0


def test_plan_sample_refuses_oversized_sample() -> None:
    with pytest.raises(ValueError):
        plan_sample(5, 6)


# --- decision ----------------------------------------------------------------------------------

PASS = Decimal("0.95")
FIELDS = Decimal("0.03")


def test_exactly_at_both_thresholds_passes() -> None:
    decision = decide(100, 95, 100, 3, PASS, FIELDS)
    assert decision.accepted
    assert decision.pass_rate == Decimal("0.95")
    assert decision.field_error_rate == Decimal("0.03")


def test_one_image_below_threshold_fails() -> None:
    decision = decide(100, 94, 100, 0, PASS, FIELDS)
    assert not decision.accepted
    assert not decision.images_ok
    assert decision.fields_ok


def test_one_field_over_threshold_fails() -> None:
    decision = decide(100, 100, 100, 4, PASS, FIELDS)
    assert not decision.accepted
    assert decision.images_ok
    assert not decision.fields_ok


def test_sample_of_ninety() -> None:
    # 86/90 = 0.9556 passes, 85/90 = 0.9444 fails; 5 of 150 fields = 0.0333 fails, 4 of 150 passes.
    assert decide(90, 86, 150, 4, PASS, FIELDS).accepted
    assert not decide(90, 85, 150, 4, PASS, FIELDS).accepted
    assert not decide(90, 86, 150, 5, PASS, FIELDS).accepted
    assert decide(90, 86, 150, 4, PASS, FIELDS).pass_rate == Decimal(86) / Decimal(90)


def test_threshold_float_would_get_wrong() -> None:
    # 0.07 * 100 is 7.000000000000001 in binary floating point; exactly 7 in Decimal.
    assert decide(100, 93, 100, 7, Decimal("0.93"), Decimal("0.07")).accepted


def test_no_fields_checked_leaves_the_field_criterion_met() -> None:
    decision = decide(20, 19, 0, 0, PASS, FIELDS)
    assert decision.field_error_rate is None
    assert decision.accepted


@pytest.mark.parametrize(
    "args",
    [(0, 0, 0, 0), (10, 11, 0, 0), (10, 10, 5, 6), (-1, 0, 0, 0)],
)
def test_decision_refuses_impossible_counts(args: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        decide(*args, PASS, FIELDS)


@given(
    sampled=st.integers(min_value=1, max_value=40_000),
    data=st.data(),
    threshold=st.decimals(min_value=0, max_value=1, places=3),
)
def test_decision_matches_exact_fractions(sampled: int, data: st.DataObject, threshold: Decimal) -> None:
    from fractions import Fraction

    correct = data.draw(st.integers(min_value=0, max_value=sampled))
    decision = decide(sampled, correct, 5, 0, threshold, FIELDS)
    assert decision.images_ok == (Fraction(correct, sampled) >= Fraction(threshold))


@pytest.mark.parametrize(
    ("pass_rate", "n", "ac"),
    [("0.95", 90, 4), ("0.95", 100, 5), ("0.95", 1, 0), ("0.95", 20, 1), ("0.95", 30_000, 1500), ("1", 50, 0)],
)
def test_acceptance_number(pass_rate: str, n: int, ac: int) -> None:
    assert acceptance_number(Decimal(pass_rate), n) == ac
    # Consistent with the decision: exactly ac wrong images pass, ac + 1 do not.
    assert decide(n, n - ac, 0, 0, Decimal(pass_rate), FIELDS).accepted
    if ac < n:
        assert not decide(n, n - ac - 1, 0, 0, Decimal(pass_rate), FIELDS).accepted


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applied", "deadline"),
    [
        ("2026-01-25", "2026-02-04"),
        ("2026-01-31", "2026-02-10"),
        ("2026-02-25", "2026-03-07"),  # 28-day February
        ("2028-02-25", "2028-03-06"),  # leap year
        ("2026-04-30", "2026-05-10"),
        ("2026-12-28", "2027-01-07"),  # year end
        ("2026-12-31", "2027-01-10"),
    ],
)
def test_review_deadline_ten_days(applied: str, deadline: str) -> None:
    assert review_deadline(D(applied), 10) == D(deadline)


def test_correction_and_termination_deadlines() -> None:
    assert correction_deadline(D("2026-01-30"), 10) == D("2026-02-09")
    assert correction_deadline(D("2026-11-25"), 10) == D("2026-12-05")
    assert termination_review_deadline(D("2026-12-30"), 3) == D("2027-01-02")
    assert termination_review_deadline(D("2026-02-27"), 3) == D("2026-03-02")
    with pytest.raises(ValueError):
        review_deadline(D("2026-01-01"), -1)


def test_deemed_accepted_only_after_the_deadline() -> None:
    applied = D("2026-01-31")  # deadline 10 Feb
    assert not deemed_accepted(applied, None, D("2026-02-09"), 10)
    assert not deemed_accepted(applied, None, D("2026-02-10"), 10)  # the deadline day is still the client's
    assert deemed_accepted(applied, None, D("2026-02-11"), 10)
    assert not deemed_accepted(applied, D("2026-02-10"), D("2026-03-01"), 10)  # decided on the last day
    assert deemed_accepted(applied, D("2026-02-12"), D("2026-03-01"), 10)  # a late decision comes too late
    assert deemed_accepted_on(applied, 10) == D("2026-02-11")
    assert deemed_accepted(D("2026-12-25"), None, D("2027-01-05"), 10)  # deadline 4 Jan 2027
    assert not deemed_accepted(D("2026-12-25"), None, D("2027-01-04"), 10)
