"""Billing on the database: payables for accepted lots, invoices, payments, statements and their exports."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from app.acceptance.models import Lot, LotKind, LotStatus
from app.acceptance.service import accepted_since
from app.audit.service import record_event
from app.billing import export, rules
from app.billing.exceptions import (
    BadInvoice,
    BadMonth,
    BadPayment,
    DuplicateInvoice,
    PayableNotFound,
    PaymentNotFound,
)
from app.billing.models import Payable, Payment, TermUnit
from app.billing.statement import Line, Statement, build_statement, payable_line
from app.navigation import N_
from app.production.calendar import overrides_of
from app.projects.models import Project

INVOICE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,39}$")
REFERENCE_MAX = 100
VOID_REASON_MAX = 200
FORMATS = ("xlsx", "csv")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


# --- payables --------------------------------------------------------------------------------


def _lock_project(session: Session, project: Project) -> None:
    # PostgreSQL: one writer of a project's payables at a time (SQLite writers are serialized already).
    session.exec(select(Project.id).where(Project.id == project.id).with_for_update()).one()


def _unbilled_accepted(session: Session, project: Project, today: date) -> list[tuple[date, Lot]]:
    """Lots accepted by decision or deemed accepted by `today` that have no payable yet, in acceptance order."""
    billed = select(Payable.lot_id).where(Payable.project_id == project.id)
    lots = session.exec(
        select(Lot).where(
            Lot.project_id == project.id,
            col(Lot.status).in_([LotStatus.accepted, LotStatus.applied, LotStatus.in_review]),
            col(Lot.id).not_in(billed),
        )
    ).all()
    found = [(on, lot) for lot in lots if (on := accepted_since(lot, today)) is not None]
    return sorted(found, key=lambda x: (x[0], x[1].number))


def sync_payables(session: Session, project: Project, *, today: date) -> list[Payable]:
    """Create the payable of every lot accepted (or deemed accepted) by `today` that has none yet.

    Lots are billed in the order they were accepted, each under the cap left by those before it;
    the lot that crosses the cap is billed up to it, and later lots are delivered but not billable.
    A deemed acceptance happens without anyone acting, so every billing screen, export and CLI
    command calls this first; it is idempotent (one payable per lot, enforced by the database).
    """
    if not _unbilled_accepted(session, project, today):
        return []
    _lock_project(session, project)
    waiting = _unbilled_accepted(session, project, today)  # again, under the lock
    billed = sum(session.exec(select(Payable.amount).where(Payable.project_id == project.id)).all(), Decimal("0.00"))
    cap = project.price_cap
    created = []
    for accepted_on, lot in waiting:
        line = rules.capped_line(lot.page_count, project.unit_price, min(billed, cap), cap)
        if lot.kind == LotKind.termination:
            term, unit = project.termination_payment_days, TermUnit.calendar
        else:
            term, unit = project.payment_term_working_days, TermUnit.working
        payable = Payable(
            project_id=project.id,
            lot_id=lot.id,
            kind=lot.kind,
            accepted_on=accepted_on,
            pages=line.pages,
            billable_pages=line.billable_pages,
            unit_price=project.unit_price,
            exact_amount=line.exact,
            amount=line.amount,
            term_days=term,
            term_unit=unit,
            late_rate_per_day=project.late_payment_rate_per_day,
        )
        session.add(payable)
        session.flush()
        billed += line.amount
        record_event(
            session,
            "payable.create",
            project_id=project.id,
            actor_role="system",
            object_type="payable",
            object_id=payable.id,
            detail={
                "lot": lot.number,
                "accepted_on": accepted_on.isoformat(),
                "deemed": lot.status != LotStatus.accepted,
                "pages": line.pages,
                "billable_pages": line.billable_pages,
                "unit_price": str(project.unit_price),
                "exact": str(line.exact),
                "amount": _money(line.amount),
                "cumulative": _money(billed),
            },
        )
        created.append(payable)
    return created


def get_payable(session: Session, project: Project, payable_id: int) -> Payable:
    """The payable of this project, or a 404 (another project's payable is not found)."""
    payable = session.get(Payable, payable_id)
    if payable is None or payable.project_id != project.id:
        raise PayableNotFound(N_("There is no payable %(id)s."), id=payable_id)
    return payable


def _payables(session: Session, project: Project) -> list[Payable]:
    return list(session.exec(select(Payable).where(Payable.project_id == project.id).order_by(col(Payable.id))))


def _lots(session: Session, project: Project) -> dict[int, tuple[int, bool]]:
    """Lot id -> (number, deemed accepted); a billed lot not accepted by decision was deemed accepted."""
    rows = session.exec(select(Lot.id, Lot.number, Lot.status).where(Lot.project_id == project.id)).all()
    return {lot_id: (number, status != LotStatus.accepted) for lot_id, number, status in rows if lot_id is not None}


def _payments_of(session: Session, payable_ids: list[int]) -> list[Payment]:
    if not payable_ids:
        return []
    return list(session.exec(select(Payment).where(col(Payment.payable_id).in_(payable_ids))))


# --- invoices and payments -------------------------------------------------------------------


def record_invoice(
    session: Session, payable: Payable, *, number: str, invoice_date: date, actor: dict, today: date
) -> Payable:
    """Enter (or correct) the invoice number and date of a payable; numbers are unique in the project."""
    number = number.strip()
    if not INVOICE_NUMBER.match(number):
        raise BadInvoice(N_("An invoice number is 1 to 40 letters, digits or dashes."))
    if invoice_date > today:
        raise BadInvoice(N_("The invoice date lies in the future."))
    clash = session.exec(
        select(Payable.id).where(
            Payable.project_id == payable.project_id, Payable.invoice_number == number, Payable.id != payable.id
        )
    ).first()
    if clash is not None:
        raise DuplicateInvoice(N_("Invoice %(number)s is already entered for another lot."), number=number)
    before = {
        "number": payable.invoice_number,
        "date": payable.invoice_date.isoformat() if payable.invoice_date else None,
    }
    payable.invoice_number, payable.invoice_date = number, invoice_date
    session.add(payable)
    session.flush()
    record_event(
        session,
        "payable.invoice",
        project_id=payable.project_id,
        object_type="payable",
        object_id=payable.id,
        detail={"number": number, "date": invoice_date.isoformat(), "before": before},
        **actor,
    )
    return payable


def _lock_payable(session: Session, payable: Payable) -> None:
    session.exec(select(Payable.id).where(Payable.id == payable.id).with_for_update()).one()


def live_payments(session: Session, payable: Payable) -> list[Payment]:
    """The payable's payments that are not voided, by date."""
    return list(
        session.exec(
            select(Payment)
            .where(Payment.payable_id == payable.id, col(Payment.voided_at).is_(None))
            .order_by(col(Payment.paid_on), col(Payment.id))
        )
    )


def record_payment(
    session: Session,
    payable: Payable,
    *,
    paid_on: date,
    amount: Decimal,
    reference: str,
    user_id: int,
    actor: dict,
    today: date,
) -> Payment:
    """Record money received against a payable; partial payments are fine, more than is owed is refused."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise BadPayment(N_("Enter an amount greater than zero."))
    if amount != amount.quantize(rules.CENT):
        raise BadPayment(N_("Enter the amount in yuan with at most two decimals (whole fen)."))
    if paid_on > today:
        raise BadPayment(N_("The payment date lies in the future."))
    if paid_on < payable.accepted_on:
        raise BadPayment(
            N_("The payment date lies before the lot's acceptance on %(day)s."), day=payable.accepted_on.isoformat()
        )
    reference = reference.strip()
    if len(reference) > REFERENCE_MAX:
        raise BadPayment(N_("The reference is longer than %(n)s characters."), n=REFERENCE_MAX)
    _lock_payable(session, payable)
    paid = sum((p.amount for p in live_payments(session, payable)), Decimal("0.00"))
    left = payable.amount - paid
    if amount > left:
        raise BadPayment(
            N_("Only %(left)s yuan is still owed on this lot; %(amount)s is more."),
            left=_money(left),
            amount=_money(amount),
        )
    payment = Payment(payable_id=payable.id, paid_on=paid_on, amount=amount, reference=reference, recorded_by=user_id)
    session.add(payment)
    session.flush()
    record_event(
        session,
        "payment.record",
        project_id=payable.project_id,
        object_type="payment",
        object_id=payment.id,
        detail={
            "payable": payable.id,
            "paid_on": paid_on.isoformat(),
            "amount": _money(amount),
            "reference": reference,
            "outstanding_after": _money(left - amount),
        },
        **actor,
    )
    return payment


def get_payment(session: Session, project: Project, payment_id: int) -> tuple[Payment, Payable]:
    """A payment of this project with its payable, or a 404."""
    payment = session.get(Payment, payment_id)
    payable = session.get(Payable, payment.payable_id) if payment else None
    if payment is None or payable is None or payable.project_id != project.id:
        raise PaymentNotFound(N_("There is no payment %(id)s."), id=payment_id)
    return payment, payable


def void_payment(
    session: Session, payment: Payment, payable: Payable, *, reason: str, user_id: int, actor: dict, now: datetime
) -> Payment:
    """Void a mistaken payment entry: it stays on record with who voided it and why, and no longer counts."""
    reason = reason.strip()
    if not reason or len(reason) > VOID_REASON_MAX:
        raise BadPayment(N_("Give a reason of 1 to %(n)s characters."), n=VOID_REASON_MAX)
    if payment.voided_at is not None:
        raise BadPayment(N_("This payment is voided already."))
    payment.voided_at, payment.voided_by, payment.void_reason = now, user_id, reason
    session.add(payment)
    session.flush()
    record_event(
        session,
        "payment.void",
        project_id=payable.project_id,
        object_type="payment",
        object_id=payment.id,
        detail={
            "payable": payable.id,
            "paid_on": payment.paid_on.isoformat(),
            "amount": _money(payment.amount),
            "reason": reason,
        },
        **actor,
    )
    return payment


# --- statements ------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """YYYY-MM as the month's first day."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2200:
        raise BadMonth(N_("Enter a month as YYYY-MM."))
    return date(int(match.group(1)), int(match.group(2)), 1)


def statement(session: Session, project: Project, month: date, *, as_of: date, today: date) -> Statement:
    """The month's settlement as of `as_of` (payables first brought up to date with today's acceptances)."""
    if as_of < month.replace(day=1):
        raise BadMonth(N_("The date asked for lies before the month."))
    sync_payables(session, project, today=today)
    payables = _payables(session, project)
    return build_statement(
        project_code=project.code,
        project_name=project.name,
        client=project.client,
        vendor=project.vendor,
        unit_price=project.unit_price,
        cap=project.price_cap,
        month=month,
        as_of=as_of,
        payables=payables,
        lots=_lots(session, project),
        payments=_payments_of(session, [p.id for p in payables if p.id is not None]),
        overrides=overrides_of(session, project.id),
    )


@dataclass(frozen=True)
class PayableDetail:
    """A payable as of a date, with every payment ever entered (voided ones too)."""

    payable: Payable
    line: Line
    payments: list[Payment]

    @property
    def unpaid(self) -> Decimal:
        """What is still owed counting every payment entered, whatever the date asked."""
        return self.payable.amount - sum((p.amount for p in self.payments if p.voided_at is None), Decimal("0.00"))


def payable_detail(session: Session, project: Project, payable: Payable, *, as_of: date) -> PayableDetail:
    """One payable's figures as of a date: due date, paid, outstanding, late-charge periods."""
    payments = list(
        session.exec(
            select(Payment).where(Payment.payable_id == payable.id).order_by(col(Payment.paid_on), col(Payment.id))
        )
    )
    line = payable_line(
        payable,
        _lots(session, project)[payable.lot_id],
        _payables(session, project),
        payments,
        project.price_cap,
        as_of,
        overrides_of(session, project.id),
    )
    return PayableDetail(payable=payable, line=line, payments=payments)


@dataclass(frozen=True)
class Export:
    """An exported statement: its file name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes
    statement: Statement


MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_statement(
    session: Session, project: Project, month: date, *, fmt: str, as_of: date, today: date, actor: dict
) -> Export:
    """The month's statement as XLSX or CSV; the export is audited with the file's SHA-256 and totals."""
    if fmt not in FORMATS:
        raise BadMonth(N_("Choose the format xlsx or csv."))
    st = statement(session, project, month, as_of=as_of, today=today)
    content = export.statement_xlsx(st) if fmt == "xlsx" else export.statement_csv(st)
    filename = f"settlement-{project.code}-{st.label}-as-of-{as_of.isoformat()}.{fmt}"
    record_event(
        session,
        "billing.export",
        project_id=project.id,
        object_type="statement",
        object_id=st.label,
        detail={
            "month": st.label,
            "as_of": as_of.isoformat(),
            "format": fmt,
            "sha256": hashlib.sha256(content).hexdigest(),
            "lots": st.totals.lots,
            "amount": _money(st.totals.amount),
            "outstanding": _money(st.totals.outstanding + st.earlier_totals.outstanding),
        },
        **actor,
    )
    return Export(filename=filename, media_type=MEDIA_TYPES[fmt], content=content, statement=st)
