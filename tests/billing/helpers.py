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
