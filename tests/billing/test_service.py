"""Billing on a real database (SQLite and PostgreSQL): payables, the cap, due dates, invoices, payments, statements."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.audit.service import verify_audit_chain
from app.billing.exceptions import BadInvoice, BadMonth, BadPayment, DuplicateInvoice, PayableNotFound
from app.billing.models import Payable, Payment
from app.billing.service import (
    get_payable,
    get_payment,
    parse_month,
    payable_detail,
    record_invoice,
    record_payment,
    statement,
    sync_payables,
    void_payment,
)
from app.production.models import WorkdayOverride
from tests.billing.helpers import D, Y, lot_row, make_office

NOW = D("2026-11-22")


def _pay(session: Session, office, payable: Payable, day: str, amount: str, today: str = "2026-11-22") -> Payment:  # noqa: ANN001
    return record_payment(
        session,
        payable,
        paid_on=D(day),
        amount=Y(amount),
        reference="",
        user_id=office.finance.id,
        actor=office.actor(),
        today=D(today),
    )


# --- payables -------------------------------------------------------------------------------


def test_one_accepted_page_is_billed_eight_fen_and_the_exact_0_077_is_kept(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 1, D("2026-01-30"))
    [p] = sync_payables(session, office.project, today=NOW)
    session.commit()
    assert (p.pages, p.billable_pages, p.amount, p.exact_amount) == (1, 1, Y("0.08"), Y("0.077"))
    st = statement(session, office.project, D("2026-01-01"), as_of=D("2026-01-31"), today=NOW)
    [line] = st.lines
    assert line.exact == Y("0.077") and line.amount == Y("0.08") and line.rounded and not line.capped


def test_the_whole_contract_bills_exactly_the_cap(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 3_600_000, D("2026-08-31"))
    [p] = sync_payables(session, office.project, today=NOW)
    session.commit()
    session.expire_all()
    p = session.get(Payable, p.id)
    assert p.amount == Y("277200.00") and p.exact_amount == Y("277200.000") and p.billable_pages == 3_600_000
    st = statement(session, office.project, D("2026-08-01"), as_of=D("2026-08-31"), today=NOW)
    assert st.totals.amount == Y("277200.00") and st.cap_remaining == Y("0.00")
    assert not st.lines[0].capped and st.lines[0].not_billable_pages == 0


def test_lot_crossing_the_cap_is_billed_up_to_it_and_later_lots_are_not_billable(session: Session) -> None:
    office = make_office(session, price_cap=Y("10.00"))
    lot_row(session, office, 100, D("2026-03-02"))  # 7.70
    lot_row(session, office, 50, D("2026-03-10"))  # 3.85 > 2.30 left: billed 2.30 for ceil(2.30 / 0.077) = 30 pages
    lot_row(session, office, 10, D("2026-04-01"))  # nothing left
    first, crossing, after = sync_payables(session, office.project, today=NOW)
    session.commit()
    assert (first.amount, first.billable_pages) == (Y("7.70"), 100)
    assert (crossing.amount, crossing.billable_pages, crossing.exact_amount) == (Y("2.30"), 30, Y("2.30"))
    assert (after.amount, after.billable_pages) == (Y("0.00"), 0)
    march = statement(session, office.project, D("2026-03-01"), as_of=D("2026-03-31"), today=NOW)
    assert [x.cumulative for x in march.lines] == [Y("7.70"), Y("10.00")]
    assert [x.cap_remaining for x in march.lines] == [Y("2.30"), Y("0.00")]
    assert [x.not_billable_pages for x in march.lines] == [0, 20]
    assert march.lines[1].capped and not march.lines[0].capped
    assert march.totals.not_billable_pages == 20 and march.totals.amount == Y("10.00")
    april = statement(session, office.project, D("2026-04-01"), as_of=D("2026-04-30"), today=NOW)
    assert april.billed_before == Y("10.00") and april.totals.not_billable_pages == 10
    assert april.lines[0].amount == 0 and april.cap_remaining == 0
    # Billing never passes the cap, however it is added up.
    assert sum(p.amount for p in session.exec(select(Payable)).all()) == Y("10.00")


def test_payables_are_created_once_in_acceptance_order_and_audited(session: Session) -> None:
    office = make_office(session, price_cap=Y("5.00"))
    lot_row(session, office, 40, D("2026-03-20"))  # lot 1, accepted later
    lot_row(session, office, 40, D("2026-03-05"))  # lot 2, accepted first: it gets the cap's room first
    created = sync_payables(session, office.project, today=NOW)
    assert [p.accepted_on for p in created] == [D("2026-03-05"), D("2026-03-20")]
    assert [p.amount for p in created] == [Y("3.08"), Y("1.92")]
    assert sync_payables(session, office.project, today=NOW) == []
    session.commit()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "payable.create").order_by(col(AuditEvent.id))
    ).all()
    assert [e.detail["amount"] for e in events] == ["3.08", "1.92"]
    assert events[1].detail["cumulative"] == "5.00" and events[1].detail["deemed"] is False
    assert verify_audit_chain(session).problems == []


def test_a_deemed_acceptance_is_billed_from_the_day_after_the_review_deadline(session: Session) -> None:
    office = make_office(session)
    lot = lot_row(session, office, 1000, D("2026-08-31"), deemed=True)
    assert lot.review_deadline == D("2026-08-30")
    assert sync_payables(session, office.project, today=D("2026-08-30")) == []  # deadline day: still open
    [p] = sync_payables(session, office.project, today=D("2026-08-31"))
    session.commit()
    assert p.accepted_on == D("2026-08-31") and p.amount == Y("77.00")
    line = payable_detail(session, office.project, p, as_of=D("2026-09-01")).line
    assert line.due_on == D("2026-11-27")  # 60 working days across National Day and its working weekends
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "payable.create")).one()
    assert event.detail["deemed"] is True


def test_lots_not_accepted_are_not_billed(session: Session) -> None:
    office = make_office(session)
    lot = lot_row(session, office, 500, D("2026-11-21"), deemed=True)  # in review, deadline not passed
    lot.status = "correcting"
    session.add(lot)
    lot_row(session, office, 500, D("2026-11-25"), deemed=True)  # deadline in the future
    assert sync_payables(session, office.project, today=NOW) == []


def test_termination_lot_is_due_seven_calendar_days_after_acceptance(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 200, D("2026-09-28"), kind="termination")
    [p] = sync_payables(session, office.project, today=NOW)
    assert (p.term_days, p.term_unit) == (7, "calendar")
    line = payable_detail(session, office.project, p, as_of=D("2026-10-06")).line
    assert line.due_on == D("2026-10-05")  # National Day holidays count: calendar days
    assert line.overdue == Y("15.40") and line.late_days == 1
    assert line.late_charge == Y("0.01")  # 15.40 × 0.0005 = 0.0077 -> 0.01


def test_due_dates_across_holidays(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 10, D("2026-01-30"))  # Spring Festival, Tomb-Sweeping, Labour Day
    lot_row(session, office, 10, D("2026-10-20"))  # the 60th working day is in 2027: unknown without overrides
    a, b = sync_payables(session, office.project, today=NOW)
    session.commit()
    assert payable_detail(session, office.project, a, as_of=NOW).line.due_on == D("2026-05-06")
    line = payable_detail(session, office.project, b, as_of=NOW).line
    assert line.due_on is None and line.missing_year == 2027
    # Before the earliest possible due date (60 calendar days), it is certainly not overdue.
    assert line.overdue == 0 and line.late_charge == 0
    later = payable_detail(session, office.project, b, as_of=D("2027-02-01")).line
    assert later.overdue is None and later.late is None
    st = statement(session, office.project, D("2026-10-01"), as_of=D("2027-02-01"), today=NOW)
    assert st.missing_years == (2027,) and not st.totals.complete


def test_project_calendar_overrides_give_the_due_date(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 10, D("2026-11-02"))
    [p] = sync_payables(session, office.project, today=NOW)
    session.add(WorkdayOverride(project_id=office.project.id, calendar_date=D("2027-01-01"), is_working_day=False))
    session.commit()
    # Nov 3 .. Nov 30 gives 20 working days, December 23 (43); Jan 1 off; Jan 4 .. 29 gives 20 (63):
    # the 60th is Tue 26 Jan 2027.
    line = payable_detail(session, office.project, p, as_of=D("2027-01-26")).line
    assert line.due_on == D("2027-01-26") and line.overdue == 0
    line = payable_detail(session, office.project, p, as_of=D("2027-02-10")).line
    assert line.overdue == Y("0.77") and line.late_days == 15


# --- invoices and payments ------------------------------------------------------------------


def test_partial_payment_then_the_rest_fifteen_days_late(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 1_000_000, D("2026-01-30"))  # 77,000.00, due 2026-05-06
    [p] = sync_payables(session, office.project, today=NOW)
    _pay(session, office, p, "2026-04-30", "50000.00")
    _pay(session, office, p, "2026-05-21", "27000.00")  # 15 days after the due date
    session.commit()
    on_due = payable_detail(session, office.project, p, as_of=D("2026-05-06")).line
    assert (on_due.paid, on_due.outstanding, on_due.overdue, on_due.late_charge) == (
        Y("50000.00"),
        Y("27000.00"),
        Y("0.00"),
        Y("0.00"),
    )
    mid = payable_detail(session, office.project, p, as_of=D("2026-05-16")).line
    assert mid.overdue == Y("27000.00") and mid.late_days == 10
    assert mid.late_charge == Y("135.00")  # 27,000 × 0.05% × 10
    done = payable_detail(session, office.project, p, as_of=NOW).line
    assert done.outstanding == 0 and done.overdue == 0
    assert done.late_charge == Y("202.50")  # 27,000 × 0.05% × 15 days, fixed once paid
    [period] = done.late.periods
    assert (period.after, period.through, period.days) == (D("2026-05-06"), D("2026-05-21"), 15)


def test_payments_are_refused_when_they_cannot_be_right(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 100, D("2026-03-02"))  # 7.70
    [p] = sync_payables(session, office.project, today=NOW)
    for day, amount, today in [
        ("2026-03-10", "7.71", "2026-11-22"),  # more than is owed
        ("2026-03-10", "0", "2026-11-22"),
        ("2026-03-10", "-1.00", "2026-11-22"),
        ("2026-03-10", "1.005", "2026-11-22"),  # not whole fen
        ("2026-03-01", "1.00", "2026-11-22"),  # before the acceptance
        ("2026-11-23", "1.00", "2026-11-22"),  # in the future
    ]:
        with pytest.raises(BadPayment):
            _pay(session, office, p, day, amount, today)
    first = _pay(session, office, p, "2026-03-10", "7.00")
    with pytest.raises(BadPayment) as exc:
        _pay(session, office, p, "2026-03-11", "0.71")
    assert "0.70" in str(exc.value)
    # A voided entry no longer counts: the money can be entered again, correctly.
    void_payment(
        session, first, p, reason="wrong amount", user_id=office.finance.id, actor=office.actor(), now=office_now()
    )
    with pytest.raises(BadPayment):
        void_payment(
            session, first, p, reason="again", user_id=office.finance.id, actor=office.actor(), now=office_now()
        )
    _pay(session, office, p, "2026-03-10", "7.70")
    session.commit()
    line = payable_detail(session, office.project, p, as_of=NOW).line
    assert line.paid == Y("7.70") and line.outstanding == 0
    actions = session.exec(
        select(AuditEvent.action).where(col(AuditEvent.action).like("payment.%")).order_by(col(AuditEvent.id))
    ).all()
    assert actions == ["payment.record", "payment.void", "payment.record"]


def office_now():  # noqa: ANN201
    """An aware UTC instant for `now` arguments."""
    from app.core.clock import utcnow

    return utcnow()


def test_invoice_numbers_are_entered_corrected_and_unique(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 100, D("2026-03-02"))
    lot_row(session, office, 100, D("2026-03-05"))
    a, b = sync_payables(session, office.project, today=NOW)
    record_invoice(session, a, number=" 26442000000012345678 ", invoice_date=D("2026-03-03"), actor=office.actor(),
                   today=NOW)  # fmt: skip
    assert a.invoice_number == "26442000000012345678"
    with pytest.raises(DuplicateInvoice):
        record_invoice(session, b, number="26442000000012345678", invoice_date=D("2026-03-06"),
                       actor=office.actor(), today=NOW)  # fmt: skip
    for number, day in [("", "2026-03-06"), ("No 1", "2026-03-06"), ("x" * 41, "2026-03-06"), ("A1", "2026-11-23")]:
        with pytest.raises(BadInvoice):
            record_invoice(session, b, number=number, invoice_date=D(day), actor=office.actor(), today=NOW)
    record_invoice(session, a, number="26442000000012345679", invoice_date=D("2026-03-04"), actor=office.actor(),
                   today=NOW)  # fmt: skip
    session.commit()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "payable.invoice").order_by(col(AuditEvent.id))
    ).all()
    assert [e.detail["number"] for e in events] == ["26442000000012345678", "26442000000012345679"]
    assert events[1].detail["before"] == {"number": "26442000000012345678", "date": "2026-03-03"}


def test_another_projects_payable_is_not_found(session: Session) -> None:
    office = make_office(session, code="B1")
    other = make_office(session, code="B2")
    lot_row(session, office, 100, D("2026-03-02"))
    [p] = sync_payables(session, office.project, today=NOW)
    _pay(session, office, p, "2026-03-10", "1.00")
    session.commit()
    with pytest.raises(PayableNotFound):
        get_payable(session, other.project, p.id)
    payment = session.exec(select(Payment)).one()
    with pytest.raises(Exception, match="no payment"):
        get_payment(session, other.project, payment.id)


# --- statements -----------------------------------------------------------------------------


def test_month_statement_lines_totals_and_earlier_unpaid_lots(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 300_000, D("2026-01-30"))  # 23,100.00, due 2026-05-06
    lot_row(session, office, 250_001, D("2026-04-30"))  # 19,250.077 -> 19,250.08
    lot_row(session, office, 2, D("2026-04-10"))  # 0.154 -> 0.15
    lot_row(session, office, 10, D("2026-05-01"))  # another month
    jan, apr10, apr30, may = sync_payables(session, office.project, today=NOW)
    _pay(session, office, jan, "2026-05-01", "20000.00")
    _pay(session, office, apr10, "2026-04-20", "0.15")
    session.commit()
    st = statement(session, office.project, parse_month("2026-04"), as_of=D("2026-05-16"), today=NOW)
    assert [x.lot_number for x in st.lines] == [3, 2]  # by acceptance date
    assert [x.amount for x in st.lines] == [Y("0.15"), Y("19250.08")]
    assert st.totals.amount == Y("19250.23") and st.totals.pages == 250_003
    assert st.totals.paid == Y("0.15") and st.totals.outstanding == Y("19250.08")
    assert st.billed_before == Y("23100.00") and st.billed_through == Y("42350.23")
    assert st.cap_remaining == Y("277200.00") - Y("42350.23")
    # lot 1 is still owed 3,100.00, ten days late on 16 May: 3,100 × 0.0005 × 10 = 15.50
    [old] = st.earlier
    assert (old.lot_number, old.outstanding, old.overdue, old.late_charge) == (
        1,
        Y("3100.00"),
        Y("3100.00"),
        Y("15.50"),
    )
    assert st.earlier_totals.late_charge == Y("15.50") and st.totals.late_charge == 0
    # Lots are counted as of the date asked: on 20 April, lot 2 (30 April) is not accepted yet.
    early = statement(session, office.project, parse_month("2026-04"), as_of=D("2026-04-20"), today=NOW)
    assert [x.lot_number for x in early.lines] == [3] and early.lines[0].paid == Y("0.15")
    with pytest.raises(BadMonth):
        statement(session, office.project, parse_month("2026-04"), as_of=D("2026-03-31"), today=NOW)
    assert may.amount == Y("0.77")


@pytest.mark.parametrize("text", ["2026-13", "26-01", "2026/01", "", "abcd-ef", "1999-12"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(BadMonth):
        parse_month(text)


def test_statement_brings_payables_up_to_date_first(session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 100, D("2026-11-02"), deemed=True)
    st = statement(session, office.project, parse_month("2026-11"), as_of=NOW, today=NOW)
    assert [x.amount for x in st.lines] == [Y("7.70")]
    assert session.exec(select(Payable)).one().accepted_on == D("2026-11-02")
    # totals are sums of rounded lines, and every amount is a Decimal
    assert isinstance(st.totals.amount, Decimal) and st.totals.amount == st.lines[0].amount
    assert st.lines[0].accepted_on + timedelta(days=60) > NOW  # not due yet: nothing overdue
    assert st.totals.overdue == 0 and st.totals.complete
