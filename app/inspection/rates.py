"""The inspection rate schedule: the share of each operator's pages the vendor's QC inspects, set by the manager."""

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import record_event
from app.inspection.exceptions import BadRate, OperatorNotFound
from app.inspection.models import InspectionRate
from app.inspection.rules import RateStep
from app.projects.models import Project


def rate_schedule(session: Session, project_id: int) -> list[RateStep]:
    """Every step of the project's rate schedule."""
    rows = session.exec(select(InspectionRate).where(InspectionRate.project_id == project_id)).all()
    return [RateStep(r.operator_id, r.from_date, r.percent) for r in rows]


def rate_rows(session: Session, project_id: int) -> list[InspectionRate]:
    """The schedule's rows for the manager's screen: default first, then by operator and day."""
    rows = session.exec(select(InspectionRate).where(InspectionRate.project_id == project_id)).all()
    return sorted(rows, key=lambda r: (r.operator_id or 0, r.from_date, r.id or 0))


def set_rate(
    session: Session,
    project: Project,
    *,
    operator_id: int | None,
    percent: str | Decimal,
    from_date: date,
    user_id: int,
    actor: dict,
    now: datetime,
) -> InspectionRate:
    """From `from_date` on, inspect `percent` (0-100) of the operator's pages (None: the project default).

    Raises BadRate (422) for a percent outside 0-100, OperatorNotFound (404) for a user who is not an
    operator of the project. A later row for the same operator and day replaces the earlier one."""
    try:
        value = Decimal(unicodedata.normalize("NFKC", str(percent)).strip().rstrip("%").strip())  # "5％" too
    except InvalidOperation:
        raise BadRate(f"the rate must be a number from 0 to 100, not {percent!r}") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise BadRate("the rate must be a number from 0 to 100")
    value = value.quantize(Decimal("0.01"))
    if operator_id is not None:
        user = session.get(User, operator_id)
        if user is None or user.project_id != project.id or user.role != "operator":
            raise OperatorNotFound(f"operator {operator_id} does not exist")
    same_day = session.exec(
        select(InspectionRate).where(
            InspectionRate.project_id == project.id,
            InspectionRate.from_date == from_date,
            InspectionRate.operator_id == operator_id
            if operator_id is not None
            else col(InspectionRate.operator_id).is_(None),
        )
    ).first()
    row = same_day or InspectionRate(
        project_id=project.id, operator_id=operator_id, from_date=from_date, percent=value, set_by=user_id
    )
    before = str(row.percent) if same_day else None
    row.percent, row.set_by, row.set_at = value, user_id, now
    session.add(row)
    session.flush()
    record_event(
        session,
        "inspection.rate",
        project_id=project.id,
        object_type="inspection_rate",
        object_id=row.id,
        detail={"operator_id": operator_id, "from": from_date.isoformat(), "percent": str(value), "before": before},
        **actor,
    )
    return row
