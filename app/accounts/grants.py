"""The browser's ways to give an account a role: each files a request under Approvals and changes nothing
until a person the separation-of-duties rule (app/accounts/duties.py) allows approves it."""

from datetime import datetime

from sqlmodel import Session

from app.accounts.approvals import ApprovalKind, pending_role_changes, request_approval
from app.accounts.duties import NEW, mark_pending
from app.accounts.enrolment import issue_link, needs_vouching
from app.accounts.models import Approval, Role, User
from app.accounts.service import create_user
from app.accounts.signin import WebPrincipal
from app.core.errors import Conflict


class RoleChangePending(Conflict):
    """The account already has a role change waiting: it is decided (or expires) before another is filed."""

    code = "role_change_pending"


def request_grant(
    session: Session,
    requester: WebPrincipal,
    user: User,
    role: str,
    *,
    how: str,
    project_id: int | None,
    reason: str,
    now: datetime,
) -> Approval:
    """Ask for `user` to hold `role` (how: new, change or enable); nothing changes before the approval.

    Raises RoleChangePending (409) while another role change of the account waits: one request at a time, so that
    what the approver sees is what the account is (app/accounts/approvals.py)."""
    if waiting := pending_role_changes(session, user.id, now):
        raise RoleChangePending(f"request #{waiting[0].id} for this account is still waiting for a decision")
    payload = {
        "user_id": user.id,
        "role": Role(role).value,
        "from_role": user.role,
        "username": user.username,
        "grant": how,
    }
    return request_approval(
        session, ApprovalKind.role_change, payload, requester, project_id=project_id, reason=reason, now=now
    )


def request_new_account(
    session: Session,
    requester: WebPrincipal,
    *,
    username: str,
    role: Role,
    display_name: str,
    project_id: int | None,
    now: datetime,
    link_hours: int,
    reason: str = "",
) -> tuple[User, str | None]:
    """Create a disabled account whose role waits for approval and whose password nobody knows yet
    (UsernameTaken as for any user). Returns it and the enrolment link's token to hand over — None for a
    hospital-side role, whose link goes to the hospital approver on approval (app/accounts/enrolment.py)."""
    user = create_user(
        session, username=username, password=None, role=role, display_name=display_name, project_id=project_id
    )
    mark_pending(session, user)
    request_grant(session, requester, user, role, how=NEW, project_id=project_id, reason=reason, now=now)
    if needs_vouching(user.role):
        return user, None
    _, token = issue_link(session, user, issued_by=requester.user_id, now=now, hours=link_hours, why="new_account")
    return user, token
