"""Billing rules, pure: line amounts, the price cap, payables' due dates, payments and late-payment charges.

Money is `Decimal` in yuan. A statement line (one accepted lot) is rounded once, half-up to
0.01 yuan; the exact value is kept alongside so the statement can show where the fen came from.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal

from app.core.workdays import Overrides, add_working_days

CENT = Decimal("0.01")
_EXACT = Context(prec=60)  # products and sums of contract figures stay exact


def _check_money(name: str, value: Decimal, *, cents: bool = False) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a non-negative amount, got {value}")
    if cents and value != value.quantize(CENT):
        raise ValueError(f"{name} must be a whole number of fen (0.01 yuan), got {value}")


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def round_yuan(exact: Decimal) -> Decimal:
    """Round an exact amount once, half-up, to 0.01 yuan."""
    return exact.quantize(CENT, rounding=ROUND_HALF_UP, context=_EXACT)


@dataclass(frozen=True)
class LineAmount:
    """A statement line: pages × unit price, exact and as billed (rounded once)."""

    pages: int
    unit_price: Decimal
    exact: Decimal
    amount: Decimal


def line_amount(pages: int, unit_price: Decimal) -> LineAmount:
    """Pages × unit price; `exact` unrounded (1 × 0.077 = 0.077), `amount` half-up to 0.01 (0.08)."""
    _check_count("pages", pages)
    _check_money("unit_price", unit_price)
    exact = _EXACT.multiply(Decimal(pages), unit_price)
    return LineAmount(pages=pages, unit_price=unit_price, exact=exact, amount=round_yuan(exact))


@dataclass(frozen=True)
class CappedLine:
    """A lot's statement line under the price cap: what is billable, what is delivered but not billable."""

    pages: int
    billable_pages: int
    unit_price: Decimal
    exact: Decimal
    amount: Decimal
    billed_before: Decimal
    cap: Decimal

    @property
    def not_billable_pages(self) -> int:
        """Pages delivered past the cap: accepted, never billed."""
        return self.pages - self.billable_pages

    @property
    def capped(self) -> bool:
        """Whether the cap cut this line short."""
        return self.exact < _EXACT.multiply(Decimal(self.pages), self.unit_price)

    @property
    def billed_after(self) -> Decimal:
        """Cumulative billing including this line."""
        return self.billed_before + self.amount

    @property
    def cap_remaining(self) -> Decimal:
        """What the cap still allows after this line."""
        return self.cap - self.billed_after


def capped_line(pages: int, unit_price: Decimal, billed_before: Decimal, cap: Decimal) -> CappedLine:
    """Bill a lot under the cap: in full if it fits, else exactly up to the cap; the rest is not billable.

    The crossing lot's amount is the cap's remainder to the fen; its billable pages are the pages
    that remainder pays for, the last of them possibly in part (ceil(remainder / unit price)).
    `billed_before` and `cap` are whole fen, as every rounded line is, so a line that fits never
    rounds past the cap.
    """
    _check_count("pages", pages)
    _check_money("unit_price", unit_price)
    _check_money("billed_before", billed_before, cents=True)
    _check_money("cap", cap, cents=True)
    if billed_before > cap:
        raise ValueError(f"billed {billed_before} already exceeds the cap {cap}")
    remaining = cap - billed_before
    full = _EXACT.multiply(Decimal(pages), unit_price)
    if full <= remaining:
        return CappedLine(
            pages=pages,
            billable_pages=pages,
            unit_price=unit_price,
            exact=full,
            amount=round_yuan(full),
            billed_before=billed_before,
            cap=cap,
        )
    # unit_price > 0 here: with a zero price the full amount (0) always fits.
    billable = int(_EXACT.divide(remaining, unit_price).to_integral_value(rounding=ROUND_CEILING))
    return CappedLine(
        pages=pages,
        billable_pages=billable,
        unit_price=unit_price,
        exact=remaining,
        amount=remaining,
        billed_before=billed_before,
        cap=cap,
    )


def bill_lots(lot_pages: Iterable[int], unit_price: Decimal, cap: Decimal, billed_before: Decimal) -> list[CappedLine]:
    """Statement lines for lots in acceptance order, each under the cap left by the ones before."""
    lines = []
    billed = billed_before
    for pages in lot_pages:
        line = capped_line(pages, unit_price, billed, cap)
        lines.append(line)
        billed = line.billed_after
    return lines


# --- payables -----------------------------------------------------------------------------------


def payment_due_date(accepted_on: date, term_working_days: int, overrides: Overrides) -> date:
    """Due date: the acceptance date + the payment term in official working days (the acceptance day not counted)."""
    _check_count("term_working_days", term_working_days)
    return add_working_days(accepted_on, term_working_days, overrides)


def termination_payment_due_date(accepted_on: date, days: int) -> date:
    """Due date on termination: the remainder's acceptance + `days` calendar days (the contract says 日, not 工作日)."""
    _check_count("days", days)
    return accepted_on + timedelta(days=days)


@dataclass(frozen=True)
class Payment:
    """Money received against one payable."""

    paid_on: date
    amount: Decimal


def _ordered(amount: Decimal, payments: Iterable[Payment]) -> list[Payment]:
    _check_money("amount", amount, cents=True)
    ordered = sorted(payments, key=lambda p: p.paid_on)
    for p in ordered:
        _check_money("payment", p.amount, cents=True)
    total = sum((p.amount for p in ordered), Decimal(0))
    if total > amount:
        raise ValueError(f"payments of {total} exceed the payable's {amount}")
    return ordered


def paid_by(amount: Decimal, payments: Iterable[Payment], on: date) -> Decimal:
    """What has been paid against a payable by the end of a day."""
    return sum((p.amount for p in _ordered(amount, payments) if p.paid_on <= on), Decimal(0))


def outstanding(amount: Decimal, payments: Iterable[Payment], on: date) -> Decimal:
    """What is still unpaid at the end of a day."""
    return amount - paid_by(amount, payments, on)


@dataclass(frozen=True)
class LatePeriod:
    """A stretch of late days with a constant unpaid amount: days from (exclusive) .. to (inclusive)."""

    unpaid: Decimal
    after: date
    through: date
    days: int
    exact: Decimal


@dataclass(frozen=True)
class LateCharge:
    """The late-payment charge to a date, its periods, the exact sum and the amount rounded once."""

    periods: tuple[LatePeriod, ...]
    exact: Decimal
    amount: Decimal


def late_charge(
    amount: Decimal, due_on: date, payments: Iterable[Payment], as_of: date, daily_rate: Decimal
) -> LateCharge:
    """Late-payment charge to `as_of`: each calendar day after the due date costs daily_rate × what was unpaid.

    A day d is late when due_on < d; it is charged on the amount unpaid at its start, so a payment
    on the due date is on time, and money paid on a late day still pays that day's charge (paid
    15 days after the due date = 15 late days). Payments after `as_of` do not count yet.
    """
    _check_money("daily_rate", daily_rate)
    ordered = _ordered(amount, payments)
    unpaid = amount - sum((p.amount for p in ordered if p.paid_on <= due_on), Decimal(0))
    periods: list[LatePeriod] = []
    start = due_on

    def close(through: date) -> None:
        days = (through - start).days
        if days > 0 and unpaid > 0:
            exact = _EXACT.multiply(_EXACT.multiply(unpaid, daily_rate), Decimal(days))
            periods.append(LatePeriod(unpaid=unpaid, after=start, through=through, days=days, exact=exact))

    for p in ordered:
        if p.paid_on <= due_on:
            continue
        if p.paid_on > as_of:
            break
        if p.paid_on > start:
            close(p.paid_on)
            start = p.paid_on
        unpaid -= p.amount
    if as_of > start:
        close(as_of)
    exact = sum((period.exact for period in periods), Decimal(0))
    return LateCharge(periods=tuple(periods), exact=exact, amount=round_yuan(exact))


@dataclass(frozen=True)
class PayableStatus:
    """A payable on a given day: paid, outstanding, overdue and the late-payment charge so far."""

    amount: Decimal
    due_on: date
    as_of: date
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal
    late_charge: LateCharge


def payable_status(
    amount: Decimal, due_on: date, payments: Iterable[Payment], as_of: date, daily_rate: Decimal
) -> PayableStatus:
    """Where a payable stands at the end of `as_of`; `overdue` is the unpaid part once the due date is past."""
    ordered = _ordered(amount, payments)
    paid = paid_by(amount, ordered, as_of)
    left = amount - paid
    return PayableStatus(
        amount=amount,
        due_on=due_on,
        as_of=as_of,
        paid=paid,
        outstanding=left,
        overdue=left if as_of > due_on else Decimal(0),
        late_charge=late_charge(amount, due_on, ordered, as_of, daily_rate),
    )
