"""HTML routes of enrolment: the owner's one-time page `/enrol/<token>`, and a new link for an account."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from app.accounts import enrolment, totp
from app.accounts.dependencies import CsrfChecked, require
from app.accounts.models import EnrolmentLink, User
from app.accounts.passwords import weak_password_words
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.accounts.views import _qr_svg
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import gettext_for, translations
from app.core.templates import render, request_language
from app.core.typed import Typed
from app.navigation import N_
from app.projects.dependencies import ProjectUser

router = APIRouter(include_in_schema=False)
LinkIssuer = Annotated[WebPrincipal, Depends(require(Perm.manage_users, Perm.approvals))]


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def show_link(request: Request, user: User, link: EnrolmentLink, token: str, *, back: str, pending: bool = False):  # noqa: ANN201
    """The page that shows a new enrolment link once, to the one person who hands it over."""
    return render(
        request,
        "accounts/enrolment_link.html",
        {
            "account": user,
            "link": str(request.base_url).rstrip("/") + f"/enrol/{token}",
            "expires_at": link.expires_at,
            "back": back,
            "pending": pending,
            "flashes": [],  # a message left from the previous action would read as if it were about this link
        },
    )


def _invalid(request: Request, exc: enrolment.EnrolmentLinkInvalid):  # noqa: ANN202
    return render(request, "accounts/enrol_invalid.html", {"reason": exc.reason}, status_code=exc.status)


def _form(request: Request, token: str, user: User, link: EnrolmentLink, secret: str, errors: dict, status: int = 200):  # noqa: ANN202
    due = enrolment.second_factor_due(user)
    return render(
        request,
        "accounts/enrol.html",
        {
            "token": token,
            "account": user,
            "expires_at": link.expires_at,
            "second_factor": due,
            "secret": secret,
            "qr": _qr_svg(totp.provisioning_uri(secret, user.username)) if due else "",
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/enrol/{token}")
def enrol_form(request: Request, token: str, session: SessionDep):
    """The owner's enrolment page: choose a password (and set up two-factor sign-in when the role needs it)."""
    try:
        link, user = enrolment.open_link(session, token, now=utcnow(), source_ip=_ip(request))
    except enrolment.EnrolmentLinkInvalid as exc:
        return _invalid(request, exc)
    return _form(request, token, user, link, totp.new_secret(), {})


@router.post("/enrol/{token}")
def enrol(
    request: Request,
    token: str,
    session: SessionDep,
    password: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
    secret: Annotated[Typed, Form(max_length=64)] = "",
    code: Annotated[Typed, Form(max_length=64)] = "",
):
    """Spend the link: the password (and the TOTP secret, confirmed by a code); shows the recovery codes."""
    now = utcnow()
    try:
        user, codes = enrolment.enrol(
            session, token, password=password, confirm=confirm, secret=secret, code=code, now=now,
            source_ip=_ip(request),
        )  # fmt: skip
    except enrolment.EnrolmentLinkInvalid as exc:
        return _invalid(request, exc)
    except AppError as exc:
        errors = {
            "passwords_differ": ("confirm", N_("The two new passwords differ.")),
            "bad_second_factor": ("code", N_("The code does not match. Check the phone's clock and try again.")),
        }
        if exc.code == "weak_password":  # the refusal's own reason, in the reader's words
            field, words = "password", weak_password_words(gettext_for(request_language(request)), exc)
        elif exc.code in errors:
            field, words = errors[exc.code][0], _t(request, errors[exc.code][1])
        else:
            raise
        link, user = enrolment.open_link(session, token, now=now)
        keep = secret if enrolment.valid_secret(secret) else totp.new_secret()
        return _form(request, token, user, link, keep, {field: words}, status=422)
    return render(request, "accounts/enrol_done.html", {"codes": codes, "account": user})


@router.post("/enrolment-links/{user_id}", dependencies=[CsrfChecked])
def new_link(request: Request, principal: LinkIssuer, user: ProjectUser, session: SessionDep):
    """A new enrolment link for an account (a lost or expired one; the old one stops working), shown once."""
    link, token = enrolment.request_link(
        session,
        actor_id=principal.user_id,
        actor_role=principal.role,
        target=user,
        now=utcnow(),
        hours=request.app.state.settings.enrolment_link_hours,
    )
    back = "/admin/users" if principal.role == "sysadmin" else "/approvals"
    return show_link(request, user, link, token, back=back, pending=not user.active)
