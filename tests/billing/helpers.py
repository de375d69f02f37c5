"""Test data for billing: a project with its people, and lots accepted (or left to be deemed accepted) on given days."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from app.acceptance.models import Lot, LotKind, LotStatus
from app.accounts.models import Role, User
from app.projects.models import Project
from tests.factories import make_project, make_user


@dataclass
class Office:
    """A project with a vendor manager (who applies for acceptance) and a finance user."""

    project: Project
    manager: User
    finance: User

    def actor(self, user: User | None = None) -> dict:
        """Audit actor fields for a user (finance by default)."""
        user = user or self.finance
        return {"actor_user_id": user.id, "actor_role": user.role, "source_ip": "127.0.0.1"}


def make_office(session: Session, code: str = "B1", **terms: object) -> Office:
    """A project with the contract's defaults (or the given terms) and its billing people, committed."""
    project = make_project(session, code=code, **terms)
    manager = make_user(session, project, f"mgr_{code}", Role.vendor_manager)
    finance = make_user(session, project, f"fin_{code}", Role.finance)
    session.commit()
    return Office(project, manager, finance)


def lot_row(
    session: Session,
    office: Office,
    pages: int,
    accepted_on: date,
    *,
    kind: str = LotKind.regular,
    deemed: bool = False,
) -> Lot:
    """A lot of `pages` pages accepted on `accepted_on` by decision, or (deemed) left undecided past its deadline.

    Written as a row: billing reads a lot's status, dates and frozen page count, not its review.
    """
    number = (session.exec(select(func.max(Lot.number)).where(Lot.project_id == office.project.id)).one() or 0) + 1
    days = office.project.termination_review_days if kind == LotKind.termination else 10
    # Deemed accepted on the day after the review deadline: applied `days` + 1 days before.
    applied_on = accepted_on - timedelta(days=days + 1) if deemed else accepted_on - timedelta(days=5)
    lot = Lot(
        project_id=office.project.id,
        number=number,
        kind=kind,
        period_start=applied_on - timedelta(days=90),
        period_end=applied_on - timedelta(days=1),
        status=LotStatus.in_review if deemed else LotStatus.accepted,
        applied_at=datetime.combine(applied_on, time(2, 0), UTC),
        applied_on=applied_on,
        applied_by=office.manager.id,
        review_deadline=applied_on + timedelta(days=days),
        manifest_hash="0" * 64,
        page_count=pages,
        record_count=max(1, pages // 50),
        decided_on=None if deemed else accepted_on,
        accepted_on=None if deemed else accepted_on,
    )
    session.add(lot)
    session.flush()
    return lot


def D(text: str) -> date:  # noqa: N802
    """A date from YYYY-MM-DD."""
    return date.fromisoformat(text)


def Y(text: str) -> Decimal:  # noqa: N802
    """An amount in yuan."""
    return Decimal(text)


# A month with everything a statement shows, as of 2026-06-30 (hand-computed figures in the tests):
#   lot 1  accepted 2026-01-30  300,000 pages  23,100.00  due 2026-05-06; 20,000.00 paid 05-01: 3,100.00 owed,
#                                                          55 days late on 30 June -> 3,100 × 0.05% × 55 = 85.25
#   lot 2  accepted 2026-05-08  250,001 pages  19,250.077 -> 19,250.08, invoiced; 5,000.00 paid 06-15
#                                              (a mistaken 9,999.00 entry voided); due in August
#   lot 3  deemed   2026-05-20        2 pages   0.154 -> 0.15, paid 05-25
#   lot 4  accepted 2026-05-29    1,000 pages  77.00, termination: due 06-05 (7 calendar days), unpaid:
#                                              25 days late -> 77 × 0.05% × 25 = 0.9625 -> 0.96
#   lot 5  accepted 2026-06-02       10 pages   0.77 (June: not on May's statement)
MAY = D("2026-05-01")
MAY_AS_OF = D("2026-06-30")


def may_scenario(session: Session, office: Office) -> dict[int, "object"]:
    """Lots 1-5 above with their payables, invoice and payments; committed. Returns payables by lot number."""
    from app.billing.service import record_invoice, record_payment, sync_payables, void_payment
    from app.core.clock import utcnow

    lot_row(session, office, 300_000, D("2026-01-30"))
    lot_row(session, office, 250_001, D("2026-05-08"))
    lot_row(session, office, 2, D("2026-05-20"), deemed=True)
    lot_row(session, office, 1_000, D("2026-05-29"), kind=LotKind.termination)
    lot_row(session, office, 10, D("2026-06-02"))
    payables = sync_payables(session, office.project, today=D("2026-11-22"))
    by_lot = {}
    for p in payables:
        by_lot[session.get(Lot, p.lot_id).number] = p

    def pay(n: int, day: str, amount: str):  # noqa: ANN202
        return record_payment(session, by_lot[n], paid_on=D(day), amount=Y(amount), reference=f"BANK-{n}-{day}",
                              user_id=office.finance.id, actor=office.actor(), today=D("2026-11-22"))  # fmt: skip

    pay(1, "2026-05-01", "20000.00")
    wrong = pay(2, "2026-06-10", "9999.00")
    void_payment(session, wrong, by_lot[2], reason="entered twice", user_id=office.finance.id, actor=office.actor(),
                 now=utcnow())  # fmt: skip
    pay(2, "2026-06-15", "5000.00")
    pay(3, "2026-05-25", "0.15")
    record_invoice(session, by_lot[2], number="26442000000000000002", invoice_date=D("2026-05-11"),
                   actor=office.actor(), today=D("2026-11-22"))  # fmt: skip
    session.commit()
    return by_lot
