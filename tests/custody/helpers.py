"""Shared set-up of custody tests: a project requiring check-out, its custodian and the vendor's manager."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.accounts.models import Role, User
from app.core.clock import utcnow
from app.custody.handovers import confirm_handover, create_handover
from app.custody.policy import save_policy
from app.custody.rules import ScanLine
from app.projects.models import Project
from tests.factories import make_user


@dataclass
class People:
    """The two sides of a handover."""

    custodian: User
    manager: User

    def actor(self, user: User) -> dict:
        """Audit actor fields of a user."""
        return {"actor_user_id": user.id, "actor_role": user.role}


def custody_people(session: Session, project: Project, *, require_checkout: bool = True) -> People:
    """A custodian and a vendor manager; the project's check-out rule switched on (committed)."""
    custodian = make_user(session, project, username="cust", role=Role.custodian)
    manager = make_user(session, project, username="mgr", role=Role.vendor_manager)
    people = People(custodian, manager)
    save_policy(
        session,
        project.id,
        require_checkout=require_checkout,
        overdue_days=14,
        actor=people.actor(custodian),
        now=utcnow(),
    )
    session.commit()
    return people


def check_out(
    session: Session,
    project: Project,
    people: People,
    codes: list[str],
    *,
    confirm: bool = True,
    now: datetime | None = None,
    lines: list[ScanLine] | None = None,
):
    """A check-out batch of these codes, confirmed by the manager unless told not to (committed)."""
    now = now or utcnow()
    lines = lines or [ScanLine(c) for c in codes]
    handover = create_handover(
        session,
        project,
        kind="checkout",
        lines=lines,
        declared_count=len(lines),
        counterpart_id=people.manager.id,
        note="",
        user_id=people.custodian.id,
        actor=people.actor(people.custodian),
        now=now,
    )
    if confirm:
        from app.custody.listing import handover_items

        flagged = {i.id for i in handover_items(session, handover.id) if i.condition != "normal"}
        confirm_handover(
            session,
            handover,
            user_id=people.manager.id,
            acknowledged=flagged,
            actor=people.actor(people.manager),
            now=now,
        )
    session.commit()
    return handover
