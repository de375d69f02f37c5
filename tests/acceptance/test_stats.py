"""Clopper–Pearson interval and operating characteristic, against closed forms and exact sums."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.acceptance.rules import acceptance_number, sample_size
from app.acceptance.stats import (
    acceptance_probability,
    clopper_pearson,
    defectives_in,
    hypergeometric_cdf,
    incomplete_beta,
    inverse_incomplete_beta,
    operating_characteristic,
)

# --- incomplete beta ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, 0.001, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0])
def test_incomplete_beta_closed_forms(x: float) -> None:
    assert incomplete_beta(x, 1, 1) == pytest.approx(x, abs=1e-14)
    assert incomplete_beta(x, 3, 1) == pytest.approx(x**3, abs=1e-14)
    assert incomplete_beta(x, 1, 4) == pytest.approx(1 - (1 - x) ** 4, abs=1e-14)
    # I_x(2, 2) = 3x² − 2x³
    assert incomplete_beta(x, 2, 2) == pytest.approx(3 * x**2 - 2 * x**3, abs=1e-14)


@pytest.mark.parametrize("a", [0.5, 1, 7, 150, 20_000])
def test_incomplete_beta_symmetry(a: float) -> None:
    assert incomplete_beta(0.5, a, a) == pytest.approx(0.5, abs=1e-10)  # lgamma limits large a to ~1e-12
    assert incomplete_beta(0.3, a, 2 * a) == pytest.approx(1 - incomplete_beta(0.7, 2 * a, a), abs=1e-10)


def test_incomplete_beta_is_the_binomial_tail() -> None:
    # P(Bin(n, p) >= k) = I_p(k, n - k + 1), summed exactly for n = 90, p = 0.05, k = 5.
    n, p, k = 90, Fraction(1, 20), 5
    tail = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
    assert incomplete_beta(0.05, k, n - k + 1) == pytest.approx(float(tail), rel=1e-12)


def test_inverse_incomplete_beta() -> None:
    assert inverse_incomplete_beta(0.25, 1, 1) == pytest.approx(0.25, abs=1e-14)
    assert inverse_incomplete_beta(0.125, 3, 1) == pytest.approx(0.5, abs=1e-14)
    with pytest.raises(ValueError):
        inverse_incomplete_beta(1.5, 1, 1)
    with pytest.raises(ValueError):
        incomplete_beta(0.5, 0, 1)


# --- Clopper–Pearson ---------------------------------------------------------------------------


def test_clopper_pearson_closed_forms() -> None:
    # No errors in n: [0, 1 − 0.025^(1/n)]; all wrong: [0.025^(1/n), 1].
    none = clopper_pearson(0, 10)
    assert none.low == 0.0
    assert none.high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)  # 0.308497...
    assert none.high == pytest.approx(0.3084971078, abs=1e-10)
    every = clopper_pearson(10, 10)
    assert every.low == pytest.approx(0.025 ** (1 / 10), abs=1e-12)
    assert every.high == 1.0
    assert clopper_pearson(0, 90).high == pytest.approx(1 - 0.025 ** (1 / 90), abs=1e-12)


@pytest.mark.parametrize(
    ("errors", "n", "low", "high"),
    [
        (5, 100, 0.0164318792, 0.1128349111),  # R: binom.test(5, 100)$conf.int
        (1, 2, 0.0125791171, 0.9874208829),
        (3, 90, 0.0069276027, 0.0943360934),
        (150, 3000, 0.0424766299, 0.0584155472),
    ],
)
def test_clopper_pearson_known_values(errors: int, n: int, low: float, high: float) -> None:
    interval = clopper_pearson(errors, n)
    assert interval.low == pytest.approx(low, abs=1e-9)
    assert interval.high == pytest.approx(high, abs=1e-9)
    assert interval.confidence == 0.95


def test_clopper_pearson_against_scipy_when_available() -> None:
    beta = pytest.importorskip("scipy.stats").beta
    for errors, n in [(0, 1), (2, 13), (40, 900), (1500, 30_000), (29_999, 30_000)]:
        interval = clopper_pearson(errors, n, 0.9)
        expected_low = beta.ppf(0.05, errors, n - errors + 1) if errors else 0.0
        expected_high = beta.ppf(0.95, errors + 1, n - errors) if errors < n else 1.0
        assert interval.low == pytest.approx(expected_low, abs=1e-10)
        assert interval.high == pytest.approx(expected_high, abs=1e-10)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(min_value=1, max_value=5000), data=st.data())
def test_clopper_pearson_brackets_the_observed_rate(n: int, data: st.DataObject) -> None:
    errors = data.draw(st.integers(min_value=0, max_value=n))
    interval = clopper_pearson(errors, n)
    assert 0.0 <= interval.low <= errors / n <= interval.high <= 1.0


def test_clopper_pearson_refuses_nonsense() -> None:
    for args in [(1, 0), (5, 4), (-1, 4)]:
        with pytest.raises(ValueError):
            clopper_pearson(*args)
    with pytest.raises(ValueError):
        clopper_pearson(1, 4, 1.0)


# --- hypergeometric and the operating characteristic -----------------------------------------


def exact_cdf(k: int, lot: int, bad: int, n: int) -> Fraction:
    total = math.comb(lot, n)
    return sum((Fraction(math.comb(bad, x) * math.comb(lot - bad, n - x), total) for x in range(k + 1)), Fraction(0))


def test_hypergeometric_by_hand() -> None:
    # 10 pages, 3 bad, draw 5: P(0 bad) = C(7,5)/C(10,5) = 21/252 = 1/12.
    assert hypergeometric_cdf(0, 10, 3, 5) == pytest.approx(1 / 12, rel=1e-12)
    # P(≤ 1) = (21 + 3·35)/252 = 126/252 = 1/2.
    assert hypergeometric_cdf(1, 10, 3, 5) == pytest.approx(0.5, rel=1e-12)
    assert hypergeometric_cdf(3, 10, 3, 5) == 1.0
    assert hypergeometric_cdf(-1, 10, 3, 5) == 0.0
    assert hypergeometric_cdf(0, 10, 0, 5) == 1.0
    assert hypergeometric_cdf(1, 10, 8, 5) == 0.0  # at least 3 bad pages in any 5


@settings(max_examples=80, deadline=None)
@given(lot=st.integers(min_value=1, max_value=300), data=st.data())
def test_hypergeometric_matches_exact_sums(lot: int, data: st.DataObject) -> None:
    bad = data.draw(st.integers(min_value=0, max_value=lot))
    n = data.draw(st.integers(min_value=0, max_value=lot))
    k = data.draw(st.integers(min_value=0, max_value=n))
    assert hypergeometric_cdf(k, lot, bad, n) == pytest.approx(float(exact_cdf(k, lot, bad, n)), abs=1e-12)


def test_hypergeometric_large_lot_against_scipy_when_available() -> None:
    hypergeom = pytest.importorskip("scipy.stats").hypergeom
    for k, lot, bad, n in [(1500, 1_000_000, 50_000, 30_000), (1400, 1_000_000, 50_000, 30_000), (4, 3000, 150, 90)]:
        assert hypergeometric_cdf(k, lot, bad, n) == pytest.approx(hypergeom.cdf(k, lot, bad, n), rel=1e-7)


def test_defectives_in() -> None:
    assert defectives_in(3000, Decimal("0.05")) == 150
    assert defectives_in(3001, Decimal("0.05")) == 150  # 150.05
    assert defectives_in(3010, Decimal("0.05")) == 151  # 150.5 rounds half-up
    assert defectives_in(0, Decimal("0.05")) == 0


def test_flat_plan_on_a_3000_page_lot_passes_a_5_percent_lot_about_half_the_time() -> None:
    """Issue 6's claim, checked: n = 90, Ac = 4, 150 bad pages in 3,000 → P(accept) = 0.528."""
    n = sample_size(Decimal("0.03"), 3000)
    ac = acceptance_number(Decimal("0.95"), n)
    assert (n, ac) == (90, 4)
    exact = exact_cdf(4, 3000, 150, 90)
    assert float(exact) == pytest.approx(0.52834, abs=1e-5)
    assert acceptance_probability(3000, n, ac, Decimal("0.05")) == pytest.approx(float(exact), rel=1e-10)
    curve = dict(
        operating_characteristic(
            3000, n, ac, tuple(Decimal(p) for p in ("0.01", "0.02", "0.03", "0.05", "0.07", "0.10"))
        )
    )
    expected = {"0.01": 0.99829, "0.02": 0.96755, "0.03": 0.86892, "0.05": 0.52834, "0.07": 0.23271, "0.10": 0.04424}
    for rate, probability in expected.items():
        assert curve[Decimal(rate)] == pytest.approx(probability, abs=1e-5)
        lot_bad = defectives_in(3000, Decimal(rate))
        assert curve[Decimal(rate)] == pytest.approx(float(exact_cdf(ac, 3000, lot_bad, n)), rel=1e-10)
