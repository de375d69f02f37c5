"""Acceptance rules, pure: sample size, front/middle/back thirds, allocation, the decision, deadlines.

The draw itself is in `app.acceptance.sampling`, the statistics (Clopper–Pearson interval,
operating characteristic) in `app.acceptance.stats`, the ISO 2859-1 plans in `app.acceptance.iso2859`.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

# Enough digits that rate × pages and threshold × count are always exact.
_EXACT = Context(prec=60)
_RATE_DIGITS = Context(prec=28)

THIRD_NAMES: tuple[str, str, str] = ("front", "middle", "back")


def _check_fraction(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def sample_size(rate: Decimal, lot_size: int) -> int:
    """Pages to sample: ceil(rate × lot_size), exact in Decimal; 0 for an empty lot, never more than the lot."""
    _check_fraction("rate", rate)
    _check_count("lot_size", lot_size)
    exact = _EXACT.multiply(rate, Decimal(lot_size))
    return min(int(exact.to_integral_value(rounding=ROUND_CEILING)), lot_size)


@dataclass(frozen=True)
class Thirds:
    """A lot of `size` pages (indices 0..size-1, capture order) cut at b1 and b2: [0,b1) [b1,b2) [b2,size)."""

    size: int
    b1: int
    b2: int

    @property
    def bounds(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """The (start, stop) half-open index ranges of the front, middle and back thirds."""
        return ((0, self.b1), (self.b1, self.b2), (self.b2, self.size))

    @property
    def sizes(self) -> tuple[int, int, int]:
        """The number of pages in the front, middle and back thirds."""
        return (self.b1, self.b2 - self.b1, self.size - self.b2)

    def third_of(self, index: int) -> int:
        """Which third (0 front, 1 middle, 2 back) a page index falls in."""
        if not 0 <= index < self.size:
            raise IndexError(f"page index {index} outside a lot of {self.size}")
        return 0 if index < self.b1 else 1 if index < self.b2 else 2


def split_thirds(lot_size: int) -> Thirds:
    """Cut a lot at the integers nearest N/3 and 2N/3: front and back always equal, the middle takes the odd page."""
    _check_count("lot_size", lot_size)
    # k·N/3 has a fractional part of 0, 1/3 or 2/3, never 1/2, so "nearest" is (k·N + 1) // 3 without ties.
    return Thirds(size=lot_size, b1=(lot_size + 1) // 3, b2=(2 * lot_size + 1) // 3)


def allocate(total: int, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Spread `total` over parts in proportion to their sizes by largest remainder; ties go to the earlier part."""
    _check_count("total", total)
    for s in sizes:
        _check_count("size", s)
    whole = sum(sizes)
    if total > whole:
        raise ValueError(f"cannot take {total} from {whole}")
    if whole == 0:
        return tuple(0 for _ in sizes)
    # Exact integer arithmetic: quota_i = total·s_i / whole = floor_i + rem_i / whole.
    floors = [total * s // whole for s in sizes]
    remainders = [total * s % whole for s in sizes]
    left = total - sum(floors)
    order = sorted(range(len(sizes)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return tuple(floors)


@dataclass(frozen=True)
class SamplePlan:
    """How many pages a lot's sample takes from each third."""

    lot_size: int
    size: int
    thirds: Thirds
    per_third: tuple[int, int, int]


def plan_sample(lot_size: int, size: int) -> SamplePlan:
    """The plan for drawing `size` pages from a lot: its thirds and the allocation over them."""
    if size > lot_size:
        raise ValueError(f"a sample of {size} does not fit a lot of {lot_size}")
    thirds = split_thirds(lot_size)
    front, middle, back = allocate(size, thirds.sizes)
    return SamplePlan(lot_size=lot_size, size=size, thirds=thirds, per_third=(front, middle, back))


def plan_flat_sample(rate: Decimal, lot_size: int) -> SamplePlan:
    """The plan for the contract's flat rate: ceil(rate × N) pages over the thirds."""
    return plan_sample(lot_size, sample_size(rate, lot_size))


def acceptance_number(pass_rate: Decimal, sample: int) -> int:
    """Most wrong images a sample of `sample` may hold and still pass: floor((1 - pass_rate) × n)."""
    _check_fraction("pass_rate", pass_rate)
    _check_count("sample", sample)
    allowed = _EXACT.multiply(_EXACT.subtract(Decimal(1), pass_rate), Decimal(sample))
    return int(allowed.to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Decision:
    """A review's figures and verdict; rates are for display, the verdict is decided on exact counts."""

    sampled: int
    correct: int
    fields_checked: int
    fields_wrong: int
    pass_rate: Decimal
    field_error_rate: Decimal | None
    images_ok: bool
    fields_ok: bool

    @property
    def accepted(self) -> bool:
        """Whether the lot passes: both criteria met."""
        return self.images_ok and self.fields_ok


def decide(
    sampled: int,
    correct: int,
    fields_checked: int,
    fields_wrong: int,
    min_pass_rate: Decimal,
    max_field_error_rate: Decimal,
) -> Decision:
    """Accept iff correct/sampled ≥ min_pass_rate and wrong/checked ≤ max_field_error_rate (equality passes)."""
    for name, value in (
        ("sampled", sampled),
        ("correct", correct),
        ("fields_checked", fields_checked),
        ("fields_wrong", fields_wrong),
    ):
        _check_count(name, value)
    _check_fraction("min_pass_rate", min_pass_rate)
    _check_fraction("max_field_error_rate", max_field_error_rate)
    if sampled == 0:
        raise ValueError("a review needs at least one sampled image")
    if correct > sampled:
        raise ValueError(f"{correct} correct images out of {sampled} sampled")
    if fields_wrong > fields_checked:
        raise ValueError(f"{fields_wrong} wrong fields out of {fields_checked} checked")
    # Cross-multiplied so that no rounded quotient decides: c/n ≥ t  ⇔  c ≥ t·n.
    images_ok = Decimal(correct) >= _EXACT.multiply(min_pass_rate, Decimal(sampled))
    # No fields checked (no front page sampled) leaves the field criterion vacuously met.
    fields_ok = Decimal(fields_wrong) <= _EXACT.multiply(max_field_error_rate, Decimal(fields_checked))
    return Decision(
        sampled=sampled,
        correct=correct,
        fields_checked=fields_checked,
        fields_wrong=fields_wrong,
        pass_rate=_RATE_DIGITS.divide(Decimal(correct), Decimal(sampled)),
        field_error_rate=(
            _RATE_DIGITS.divide(Decimal(fields_wrong), Decimal(fields_checked)) if fields_checked else None
        ),
        images_ok=images_ok,
        fields_ok=fields_ok,
    )


def _after(start: date, days: int) -> date:
    _check_count("days", days)
    return start + timedelta(days=days)


def review_deadline(applied_on: date, days: int) -> date:
    """Last day the client may decide: the application date + `days` calendar days (the start day does not count)."""
    return _after(applied_on, days)


def deemed_accepted(applied_on: date, decided_on: date | None, today: date, days: int) -> bool:
    """Whether the lot counts as accepted for lack of a decision: no decision by the deadline, and the deadline past."""
    deadline = review_deadline(applied_on, days)
    return today > deadline and (decided_on is None or decided_on > deadline)


def deemed_accepted_on(applied_on: date, days: int) -> date:
    """The date a lot left undecided counts as accepted: the day after the review deadline."""
    return review_deadline(applied_on, days) + timedelta(days=1)


def correction_deadline(rejected_on: date, days: int) -> date:
    """Last day for the vendor to correct a rejected lot: the rejection date + `days` calendar days."""
    return _after(rejected_on, days)


def termination_review_deadline(terminated_on: date, days: int) -> date:
    """Last day to review the unaccepted remainder on termination: the termination date + `days` calendar days."""
    return _after(terminated_on, days)


def decide_by_count(
    sampled: int,
    correct: int,
    fields_checked: int,
    fields_wrong: int,
    acceptance_number: int,
    max_field_error_rate: Decimal,
) -> Decision:
    """Like `decide`, for a plan given as an acceptance number (ISO 2859-1): images pass iff wrong ≤ Ac."""
    _check_count("acceptance_number", acceptance_number)
    base = decide(sampled, correct, fields_checked, fields_wrong, Decimal(0), max_field_error_rate)
    return replace(base, images_ok=sampled - correct <= acceptance_number)


# What a reviewer can find wrong with a sampled image (the order is the keyboard's 1..9).
DEFECT_CODES: tuple[str, ...] = (
    "blurred",
    "skewed",
    "cut_off",
    "missing_page",
    "extra_page",
    "wrong_order",
    "mismatch",
    "wrong_naming",
    "other",
)

FRONT_PAGE_FIELDS: tuple[str, ...] = ("name", "mrn", "discharge_date", "diagnosis", "operation")


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day past the target month's end falls back to its last day."""
    _check_count("months", months)
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1), following - timedelta(days=1))


def next_application_due(cycle_start: date, months: int) -> date:
    """The day an acceptance application falls due: the last day of a cycle of `months` starting on cycle_start."""
    if months < 1:
        raise ValueError(f"an acceptance cycle lasts at least a month, got {months}")
    return add_months(cycle_start, months) - timedelta(days=1)
