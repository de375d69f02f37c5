"""HTML routes for the system administrator (users, stations) and for approvals (four eyes)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import select

from app.accounts import duties, enrolment, grants
from app.accounts.approvals import approvals_for, decide, status_of
from app.accounts.dependencies import CsrfChecked, require
from app.accounts.duties import Side
from app.accounts.enrol_views import show_link
from app.accounts.exceptions import CannotDisableSelf, UsernameTaken
from app.accounts.models import EnrolmentLink, Role, User
from app.accounts.permissions import Perm
from app.accounts.service import (
    create_station,
    project_stations,
    project_users,
    revoke_station,
    set_user_active,
)
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import DbId, SessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.projects.dependencies import CurrentProject, ProjectUser

router = APIRouter(include_in_schema=False)
UserAdmin = Annotated[WebPrincipal, Depends(require(Perm.manage_users))]
StationAdmin = Annotated[WebPrincipal, Depends(require(Perm.manage_stations))]
Approver = Annotated[WebPrincipal, Depends(require(Perm.approvals))]


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _users_page(
    request: Request,
    session,
    project,
    errors: dict | None = None,
    form: dict | None = None,  # noqa: ANN001
    status_code: int = 200,
):
    return render(
        request,
        "accounts/users.html",
        {
            "users": project_users(session, project.id),
            "roles": list(Role),
            "errors": errors or {},
            "form": form or {},
            "vouched_roles": [r.value for r in Role if enrolment.needs_vouching(r)],
        },
        status_code=status_code,
    )


@router.get("/admin/users")
def users(request: Request, principal: UserAdmin, session: SessionDep, project: CurrentProject):
    """Users of the project: add, disable, ask for a role change."""
    return _users_page(request, session, project)


@router.post("/admin/users", dependencies=[CsrfChecked])
def add_user(
    request: Request,
    principal: UserAdmin,
    session: SessionDep,
    project: CurrentProject,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=120)],
    role: Annotated[Role, Form()],
):
    """Ask for a new user: the account exists at once but stays disabled until another authorised person
    approves its role (app/accounts/duties.py), and nobody knows its password: its owner chooses it through a
    one-time enrolment link — shown here once for a vendor-side or neutral role, and to the hospital approver
    for a hospital-side one (app/accounts/enrolment.py)."""
    form = {"username": username, "display_name": display_name, "role": role.value}
    if not username.strip() or not username.replace("_", "").replace(".", "").isalnum():
        return _users_page(
            request, session, project, {"username": _t(request, "Use letters, digits, _ and . only.")}, form, 422
        )
    try:
        user, token = grants.request_new_account(
            session,
            principal,
            username=username.strip(),
            role=role,
            display_name=display_name.strip() or username,
            project_id=project.id,
            now=utcnow(),
            link_hours=request.app.state.settings.enrolment_link_hours,
        )
    except UsernameTaken:
        return _users_page(request, session, project, {"username": _t(request, "This user name is taken.")}, form, 409)
    if token is None:
        return redirect(
            "/admin/users",
            flash=_t(
                request,
                "User added. Once the hospital approves its role, the approver receives the enrolment link for the "
                "account's owner.",
            ),
        )
    link = session.exec(select(EnrolmentLink).where(EnrolmentLink.user_id == user.id)).one()
    return show_link(request, user, link, token, back="/admin/users", pending=True)


@router.post("/admin/users/{user_id}/active", dependencies=[CsrfChecked])
def user_active(
    request: Request,
    principal: UserAdmin,
    user: ProjectUser,
    session: SessionDep,
    project: CurrentProject,
    active: Annotated[bool, Form()],
):
    """Disable a user at once (ending all their sessions), or ask for one to be enabled again (a grant)."""
    if not active:
        if why := duties.disable_refusal(principal.role, user.role):
            raise duties.DisableRefused(why)
        try:
            set_user_active(session, user.id, False, actor_id=principal.user_id, now=utcnow(), project_id=project.id)
        except CannotDisableSelf:
            flash = _t(request, "You cannot disable your own account: another administrator can.")
            return redirect("/admin/users", flash=flash, kind="error")
        return redirect("/admin/users", flash=_t(request, "Saved."))
    if user.active:
        return redirect("/admin/users", flash=_t(request, "Saved."))
    grants.request_grant(
        session, principal, user, user.role, how=duties.ENABLE, project_id=project.id, reason="", now=utcnow()
    )
    return redirect("/admin/users", flash=_t(request, "Requested: another person must approve it."))


@router.post("/admin/users/{user_id}/role", dependencies=[CsrfChecked])
def user_role(
    request: Request,
    principal: UserAdmin,
    user: ProjectUser,
    session: SessionDep,
    project: CurrentProject,
    role: Annotated[Role, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
):
    """Ask for a role change; it takes effect when another authorised person approves it."""
    grants.request_grant(
        session, principal, user, role, how=duties.CHANGE, project_id=project.id, reason=reason, now=utcnow()
    )
    return redirect("/admin/users", flash=_t(request, "Role change requested: it needs another person's approval."))


@router.get("/admin/stations")
def stations(request: Request, principal: StationAdmin, session: SessionDep, project: CurrentProject):
    """Capture stations of the project: add, revoke."""
    return render(request, "accounts/stations.html", {"stations": project_stations(session, project.id)})


@router.post("/admin/stations", dependencies=[CsrfChecked])
def add_station(
    request: Request,
    principal: StationAdmin,
    session: SessionDep,
    project: CurrentProject,
    name: Annotated[str, Form(min_length=1, max_length=80)],
):
    """Register a station and show its token once."""
    station, token = create_station(session, project_id=project.id, name=name.strip())
    return render(
        request,
        "accounts/stations.html",
        {"stations": project_stations(session, project.id), "new_station": station, "new_token": token},
    )


@router.post("/admin/stations/{station_id}/revoke", dependencies=[CsrfChecked])
def station_revoke(
    request: Request, station_id: DbId, principal: StationAdmin, session: SessionDep, project: CurrentProject
):
    """Revoke a station's token (its operators are signed out)."""
    revoke_station(session, station_id, project_id=project.id, actor_id=principal.user_id, now=utcnow())
    return redirect("/admin/stations", flash=_t(request, "Station revoked."))


@router.get("/approvals")
def approvals(request: Request, principal: Approver, session: SessionDep):
    """Requests waiting for me, and my own requests."""
    now = utcnow()
    to_decide, mine = approvals_for(session, principal, now)
    hospital_accounts = [
        u
        for u in project_users(session, principal.project_id)
        if enrolment.needs_vouching(u.role) and u.id != principal.user_id
    ]
    return render(
        request,
        "accounts/approvals.html",
        {
            "to_decide": to_decide,
            "mine": mine,
            "status_of": lambda a: status_of(a, now),
            "hospital_accounts": hospital_accounts if principal.role in duties.GRANT_APPROVERS[Side.hospital] else [],
        },
    )


@router.post("/approvals/{approval_id}", dependencies=[CsrfChecked])
def decide_approval(
    request: Request,
    approval_id: DbId,
    principal: Approver,
    session: SessionDep,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    note: Annotated[str, Form(max_length=500)] = "",
):
    """Approve or reject a request (never one's own)."""
    now = utcnow()
    approval = decide(session, approval_id, principal, approve=decision == "approve", note=note, now=now)
    hours = request.app.state.settings.enrolment_link_hours
    token = enrolment.after_grant_approved(session, approval, now=now, hours=hours)
    if token is None:
        return redirect("/approvals", flash=_t(request, "Decision recorded."))
    link = enrolment.open_link(session, token, now=now)[0]
    return show_link(request, session.get(User, link.user_id), link, token, back="/approvals")
