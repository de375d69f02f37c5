"""What a sample can tell, pure Python: the Clopper–Pearson interval and the operating characteristic.

Statistics are floats (they are shown, never billed). No scipy at run time: the regularized
incomplete beta function is the continued fraction of Numerical Recipes (§6.4, modified Lentz),
inverted by bisection; the hypergeometric distribution is summed exactly term by term.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.acceptance.rules import _check_count, _check_fraction

_TINY = 1e-300
_EPS = 1e-15


def _beta_cf(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), converging fast for x < (a + 1) / (a + b + 2)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    # Converges in O(sqrt(max(a, b))) steps; the bound leaves a wide margin for lots of millions.
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _log_comb(n: int, r: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(r + 1) - math.lgamma(n - r + 1)


def incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1."""
    if a <= 0 or b <= 0:
        raise ValueError(f"incomplete beta needs a, b > 0, got a={a}, b={b}")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"incomplete beta needs 0 <= x <= 1, got {x}")
    if x == 0.0 or x == 1.0:
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def inverse_incomplete_beta(y: float, a: float, b: float) -> float:
    """The x in [0, 1] with I_x(a, b) = y, by bisection (I is increasing in x)."""
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"inverse incomplete beta needs 0 <= y <= 1, got {y}")
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if incomplete_beta(mid, a, b) < y:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval for a proportion."""

    low: float
    high: float
    confidence: float


def clopper_pearson(errors: int, sampled: int, confidence: float = 0.95) -> Interval:
    """The exact (Clopper–Pearson) two-sided interval for the error rate behind `errors` wrong of `sampled`."""
    _check_count("errors", errors)
    _check_count("sampled", sampled)
    if sampled == 0 or errors > sampled:
        raise ValueError(f"need 0 <= errors <= sampled and sampled > 0, got {errors} of {sampled}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    alpha = 1.0 - confidence
    low = 0.0 if errors == 0 else inverse_incomplete_beta(alpha / 2.0, errors, sampled - errors + 1)
    high = 1.0 if errors == sampled else inverse_incomplete_beta(1.0 - alpha / 2.0, errors + 1, sampled - errors)
    return Interval(low=low, high=high, confidence=confidence)


def hypergeometric_cdf(k: int, lot_size: int, defectives: int, sample: int) -> float:
    """P(X ≤ k) for X the defectives in a sample of `sample` drawn without replacement from the lot."""
    for name, value in (("lot_size", lot_size), ("defectives", defectives), ("sample", sample)):
        _check_count(name, value)
    if defectives > lot_size or sample > lot_size:
        raise ValueError(f"{defectives} defectives or a sample of {sample} do not fit a lot of {lot_size}")
    lowest = max(0, sample - (lot_size - defectives))
    highest = min(sample, defectives)
    if k < lowest:
        return 0.0
    if k >= highest:
        return 1.0

    good = lot_size - defectives
    # Anchor at the mode (its probability never underflows) and walk by term ratios from there:
    # P(x + 1) / P(x) = (D − x)(n − x) / ((x + 1)(N − D − n + x + 1)).
    mode = min(max((sample + 1) * (defectives + 1) // (lot_size + 2), lowest), highest)
    log_mode = _log_comb(defectives, mode) + _log_comb(good, sample - mode) - _log_comb(lot_size, sample)
    total = 0.0
    rel = 1.0
    for x in range(mode, lowest - 1, -1):  # downwards from the mode
        if x <= k:
            total += rel
        if x > lowest:
            rel *= x * (good - sample + x) / ((defectives - x + 1) * (sample - x + 1))
    rel = 1.0
    for x in range(mode, k):  # upwards from the mode to k
        rel *= (defectives - x) * (sample - x) / ((x + 1) * (good - sample + x + 1))
        total += rel
    return min(math.exp(log_mode) * total, 1.0)


def defectives_in(lot_size: int, defect_rate: Decimal) -> int:
    """Defective pages in a lot with a given true defect rate: rate × N rounded half-up to a whole page."""
    _check_count("lot_size", lot_size)
    _check_fraction("defect_rate", defect_rate)
    return int((defect_rate * lot_size).to_integral_value(rounding=ROUND_HALF_UP))


def acceptance_probability(lot_size: int, sample: int, acceptance_number: int, defect_rate: Decimal) -> float:
    """P(accept) of a plan "sample n of N, accept with at most Ac defects" for a lot with the given defect rate."""
    _check_count("acceptance_number", acceptance_number)
    return hypergeometric_cdf(acceptance_number, lot_size, defectives_in(lot_size, defect_rate), sample)


def operating_characteristic(
    lot_size: int, sample: int, acceptance_number: int, defect_rates: tuple[Decimal, ...]
) -> list[tuple[Decimal, float]]:
    """The plan's chance of accepting a lot at each true defect rate, as (rate, probability) pairs."""
    return [(p, acceptance_probability(lot_size, sample, acceptance_number, p)) for p in defect_rates]
