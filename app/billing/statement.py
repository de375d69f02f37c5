"""The settlement, derived from payables and payments: lines, cumulative totals, due dates, late charges.

No session here: the service loads the rows and hands them in with the calendar's overrides and
the date asked for, so the same inputs always give the same statement (the screen, the XLSX and
the CSV are three views of one `Statement`).
"""

import calendar
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from app.billing import rules
from app.billing.models import Payable, Payment, TermUnit
from app.core.workdays import CalendarNotCovered, is_working_day

ZERO = Decimal("0.00")


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@lru_cache(maxsize=8192)
def _official(day: date) -> bool | None:
    """The official calendar's word on a day (None for a year it does not cover); it never changes in a process."""
    try:
        return is_working_day(day)
    except CalendarNotCovered:
        return None


class WorkingDays(Mapping[date, bool]):
    """The project's overrides, answering for every officially known day too (cached), so that a statement's
    dozens of due dates do not ask the chinesecalendar package thousands of times. It answers exactly what
    `is_working_day(day, overrides)` would: iterating it yields only the real overrides, which is what decides
    whether a year the package does not cover has been entered."""

    def __init__(self, overrides: Mapping[date, bool]) -> None:
        self._overrides = overrides

    def __getitem__(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        official = _official(day)
        if official is None:
            raise KeyError(day)
        return official

    def __iter__(self) -> Iterator[date]:
        return iter(self._overrides)

    def __len__(self) -> int:
        return len(self._overrides)


def due_date(payable: Payable, overrides: Mapping[date, bool]) -> date:
    """The payable's due date under its own term; CalendarNotCovered when the working days are unknown."""
    if payable.term_unit == TermUnit.calendar:
        return rules.termination_payment_due_date(payable.accepted_on, payable.term_days)
    return rules.payment_due_date(payable.accepted_on, payable.term_days, overrides)


@dataclass(frozen=True)
class PaymentRow:
    """A payment as a statement lists it."""

    id: int
    paid_on: date
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class Line:
    """One accepted lot on a statement, as of a date.

    `overdue`, `late_days` and `late` are None when the due date is unknown (the working-day
    calendar does not cover `missing_year` yet) and the date asked may already be past it.
    """

    payable_id: int
    lot_id: int
    lot_number: int
    deemed: bool  # accepted because the review deadline passed without a decision
    kind: str
    accepted_on: date
    pages: int
    billable_pages: int
    unit_price: Decimal
    exact: Decimal
    amount: Decimal
    cumulative: Decimal
    cap_remaining: Decimal
    due_on: date | None
    missing_year: int | None
    term_days: int
    term_unit: str
    late_rate_per_day: Decimal
    invoice_number: str | None
    invoice_date: date | None
    payments: tuple[PaymentRow, ...]
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal | None
    late_days: int | None
    late: rules.LateCharge | None

    @property
    def not_billable_pages(self) -> int:
        """Pages delivered past the cap: accepted, never billed."""
        return self.pages - self.billable_pages

    @property
    def capped(self) -> bool:
        """Whether the cap cut this line short (billed the cap's remainder, not pages × price)."""
        return self.exact < Decimal(self.pages) * self.unit_price

    @property
    def rounded(self) -> bool:
        """Whether rounding to the fen changed the exact amount (the statement then shows both)."""
        return self.exact != self.amount

    @property
    def late_charge(self) -> Decimal | None:
        """The late-payment charge to the date asked, rounded once; None when unknown."""
        return None if self.late is None else self.late.amount

    @property
    def known(self) -> bool:
        """Whether the overdue part and the late charge could be computed."""
        return self.late is not None


def _line(
    p: Payable,
    lot: tuple[int, bool],
    payments: Sequence[PaymentRow],
    cumulative: Decimal,
    cap: Decimal,
    as_of: date,
    overrides: Mapping[date, bool],
) -> Line:
    counted = [rules.Payment(paid_on=r.paid_on, amount=r.amount) for r in payments]
    paid = rules.paid_by(p.amount, counted, as_of)
    due_on: date | None
    missing: int | None = None
    try:
        due_on = due_date(p, overrides)
    except CalendarNotCovered as exc:
        due_on, missing = None, exc.year
    if due_on is not None:
        status = rules.payable_status(p.amount, due_on, counted, as_of, p.late_rate_per_day)
        overdue, late = status.overdue, status.late_charge
        late_days = (as_of - due_on).days if overdue > 0 else 0
    elif as_of <= p.accepted_on + timedelta(days=p.term_days):
        # n working days after acceptance are at least n calendar days after it: not due yet.
        overdue, late, late_days = ZERO, rules.LateCharge(periods=(), exact=Decimal(0), amount=ZERO), 0
    else:
        overdue, late, late_days = None, None, None
    return Line(
        payable_id=p.id or 0,
        lot_id=p.lot_id,
        lot_number=lot[0],
        deemed=lot[1],
        kind=p.kind,
        accepted_on=p.accepted_on,
        pages=p.pages,
        billable_pages=p.billable_pages,
        unit_price=p.unit_price,
        exact=p.exact_amount,
        amount=p.amount,
        cumulative=cumulative,
        cap_remaining=cap - cumulative,
        due_on=due_on,
        missing_year=missing,
        term_days=p.term_days,
        term_unit=p.term_unit,
        late_rate_per_day=p.late_rate_per_day,
        invoice_number=p.invoice_number,
        invoice_date=p.invoice_date,
        payments=tuple(r for r in payments if r.paid_on <= as_of),
        paid=paid,
        outstanding=p.amount - paid,
        overdue=overdue,
        late_days=late_days,
        late=late,
    )


@dataclass(frozen=True)
class Totals:
    """Sums over a set of lines; `complete` is False when some line's late charge is unknown."""

    lots: int
    pages: int
    billable_pages: int
    not_billable_pages: int
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal
    late_charge: Decimal
    complete: bool


def totals(lines: Iterable[Line]) -> Totals:
    """Add up lines (every amount is already rounded: totals are exact sums of what the lines show)."""
    lines = list(lines)
    return Totals(
        lots=len(lines),
        pages=sum(x.pages for x in lines),
        billable_pages=sum(x.billable_pages for x in lines),
        not_billable_pages=sum(x.not_billable_pages for x in lines),
        amount=sum((x.amount for x in lines), ZERO),
        paid=sum((x.paid for x in lines), ZERO),
        outstanding=sum((x.outstanding for x in lines), ZERO),
        overdue=sum((x.overdue for x in lines if x.overdue is not None), ZERO),
        late_charge=sum((x.late_charge for x in lines if x.late_charge is not None), ZERO),
        complete=all(x.known for x in lines),
    )


@dataclass(frozen=True)
class Statement:
    """A month's settlement as of a date: the lots accepted in the month, and earlier ones still unpaid."""

    project_code: str
    project_name: str
    client: str
    vendor: str
    month: date  # its first day
    as_of: date
    unit_price: Decimal
    cap: Decimal
    lines: tuple[Line, ...]
    totals: Totals
    earlier: tuple[Line, ...]
    earlier_totals: Totals
    billed_before: Decimal  # cumulative billing before the month
    billed_through: Decimal  # cumulative billing through the month (or the date asked, if earlier)

    @property
    def label(self) -> str:
        """YYYY-MM."""
        return f"{self.month:%Y-%m}"

    @property
    def last_day(self) -> date:
        """The month's last day."""
        return month_bounds(self.month)[1]

    @property
    def cap_remaining(self) -> Decimal:
        """What the cap still allows after the month."""
        return self.cap - self.billed_through

    @property
    def missing_years(self) -> tuple[int, ...]:
        """Years the working-day calendar must be entered for before every due date is known."""
        return tuple(sorted({x.missing_year for x in (*self.lines, *self.earlier) if x.missing_year is not None}))


def build_statement(
    *,
    project_code: str,
    project_name: str,
    client: str,
    vendor: str,
    unit_price: Decimal,
    cap: Decimal,
    month: date,
    as_of: date,
    payables: Sequence[Payable],
    lots: Mapping[int, tuple[int, bool]],
    payments: Iterable[Payment],
    overrides: Mapping[date, bool],
) -> Statement:
    """The statement of `month` as of `as_of` from every payable of the project (in the order they were billed)."""
    first, last = month_bounds(month)
    end = min(last, as_of)
    overrides = WorkingDays(overrides)
    by_payable: dict[int, list[PaymentRow]] = {}
    for pay in sorted(payments, key=lambda x: (x.paid_on, x.id or 0)):
        if pay.voided_at is None:
            row = PaymentRow(id=pay.id or 0, paid_on=pay.paid_on, amount=pay.amount, reference=pay.reference)
            by_payable.setdefault(pay.payable_id, []).append(row)
    lines: list[Line] = []
    earlier: list[Line] = []
    cumulative = ZERO
    billed_before = ZERO
    billed_through = ZERO
    # The cap was applied in the order the payables were created (their ids); cumulative follows it.
    for p in sorted(payables, key=lambda x: x.id or 0):
        cumulative += p.amount
        if p.accepted_on < first:
            billed_before += p.amount
        if p.accepted_on <= end:
            billed_through += p.amount
        if p.accepted_on > end:
            continue
        line = _line(p, lots[p.lot_id], by_payable.get(p.id or 0, []), cumulative, cap, as_of, overrides)
        if p.accepted_on >= first:
            lines.append(line)
        elif line.outstanding > 0:
            earlier.append(line)
    order = lambda x: (x.accepted_on, x.lot_number)  # noqa: E731
    lines.sort(key=order)
    earlier.sort(key=order)
    return Statement(
        project_code=project_code,
        project_name=project_name,
        client=client,
        vendor=vendor,
        month=first,
        as_of=as_of,
        unit_price=unit_price,
        cap=cap,
        lines=tuple(lines),
        totals=totals(lines),
        earlier=tuple(earlier),
        earlier_totals=totals(earlier),
        billed_before=billed_before,
        billed_through=billed_through,
    )


def payable_line(
    payable: Payable,
    lot: tuple[int, bool],
    all_payables: Sequence[Payable],
    payments: Iterable[Payment],
    cap: Decimal,
    as_of: date,
    overrides: Mapping[date, bool],
) -> Line:
    """One payable's line as of a date (its cumulative counts every payable billed before it)."""
    cumulative = sum((p.amount for p in all_payables if (p.id or 0) <= (payable.id or 0)), ZERO)
    rows = [
        PaymentRow(id=x.id or 0, paid_on=x.paid_on, amount=x.amount, reference=x.reference)
        for x in sorted(payments, key=lambda x: (x.paid_on, x.id or 0))
        if x.voided_at is None
    ]
    return _line(payable, lot, rows, cumulative, cap, as_of, WorkingDays(overrides))
