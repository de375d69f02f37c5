"""HTML routes: sign-in with password and second factor, TOTP enrolment, sign-out, language."""

import base64
import io
import secrets
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import totp
from app.accounts.attempts import replace_session
from app.accounts.dependencies import SESSION_COOKIE, CsrfChecked, CurrentUser, PendingUser
from app.accounts.exceptions import BadSecondFactor, CsrfFailed
from app.accounts.models import User, WebSession
from app.accounts.passwords import weak_password_words
from app.accounts.permissions import MFA_REQUIRED, permissions_of
from app.accounts.signin import (
    authenticate,
    change_password,
    end_session,
    enroll_totp,
    pass_second_factor,
    reauthenticate,
    start_session,
)
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import LANG_COOKIE, LANGUAGES, gettext_for, translations
from app.core.security import same
from app.core.templates import redirect, render, request_language
from app.core.typed import Typed
from app.navigation import start_page

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "folio_login_csrf"


def _safe_next(value: str | None) -> str:
    # Only paths on this site: no scheme, no host, no protocol-relative "//evil".
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


@router.get("/login")
def login_form(request: Request, next: str | None = None):  # noqa: A002
    """The sign-in page."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "accounts/login.html", {"csrf_token": token, "next": _safe_next(next)})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/login",
    )
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
):  # noqa: A002
    """Check the password; the second factor follows for roles that need it."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not same(cookie, csrf_token):
        raise CsrfFailed("the sign-in form has expired; reload the page")
    settings = request.app.state.settings
    try:
        user = authenticate(
            session,
            username=username.strip(),
            password=password,
            source_ip=_ip(request),
            now=utcnow(),
            policy=settings.signin_policy,
        )
    except AppError as exc:
        if exc.code not in ("bad_credentials", "too_many_attempts"):
            raise
        message = (
            _t(request, "Wrong user name or password, or the account is locked for a few minutes.")
            if exc.code == "bad_credentials"
            else _t(request, "Too many failed attempts. Wait a few minutes and try again.")
        )
        return render(
            request,
            "accounts/login.html",
            {"csrf_token": csrf_token, "next": _safe_next(next), "error": message, "username": username},
            status_code=exc.status,
        )
    web, token = start_session(session, user, source_ip=_ip(request), now=utcnow(), policy=settings.signin_policy)
    if not web.mfa_passed:
        target = "/account/second-factor/setup" if user.totp_secret is None else "/login/second-factor"
        response = RedirectResponse(f"{target}?next={_safe_next(next)}", status_code=303)
    else:
        response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(response, token, settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _set_session_cookie(response: Response, token: str, settings) -> None:  # noqa: ANN001
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
    )


def _step_up(request: Request, session, web: WebSession, response: Response) -> WebSession:  # noqa: ANN001
    """Replace the session id after a step up and hand the browser the new cookie."""
    fresh, token = replace_session(session, web, now=utcnow())
    _set_session_cookie(response, token, request.app.state.settings)
    return fresh


@router.get("/login/second-factor")
def second_factor_form(request: Request, principal: PendingUser, next: str | None = None):  # noqa: A002
    """Ask for the authenticator code."""
    if principal.mfa_passed:
        return RedirectResponse(_safe_next(next), status_code=303)
    if not principal.totp_enrolled:
        return RedirectResponse(f"/account/second-factor/setup?next={_safe_next(next)}", status_code=303)
    return render(
        request, "accounts/second_factor.html", {"csrf_token": principal.csrf_token, "next": _safe_next(next)}
    )


@router.post("/login/second-factor", dependencies=[CsrfChecked])
def second_factor(
    request: Request,
    principal: PendingUser,
    session: SessionDep,
    code: Annotated[Typed, Form()],  # any length: a wrong code is answered on the page, never as JSON
    next: Annotated[str, Form()] = "/",
):  # noqa: A002
    """Check a TOTP code (each code once) or a recovery code."""
    web, user = session.get(WebSession, principal.session_id), session.get(User, principal.user_id)
    limits = request.app.state.settings.attempt_limits
    try:
        pass_second_factor(session, web, user, code=code, now=utcnow(), source_ip=_ip(request), limits=limits)
    except BadSecondFactor as exc:
        session.commit()  # the count and the audit event of the wrong code
        if exc.code == "signin_restart":  # the half-signed-in session has ended: start again
            response = redirect("/login", flash=_t(request, "Too many wrong codes. Sign in again."), kind="error")
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        return render(
            request,
            "accounts/second_factor.html",
            {
                "csrf_token": principal.csrf_token,
                "next": _safe_next(next),
                "error": _t(request, "The code is wrong, expired or already used."),
            },
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    _step_up(request, session, web, response)
    return response


def _qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@router.get("/account/second-factor/setup")
def totp_setup_form(request: Request, principal: PendingUser, next: str | None = None):  # noqa: A002
    """Show a new TOTP secret as a QR code and ask for the first code."""
    if principal.totp_enrolled and not principal.mfa_passed:
        return RedirectResponse("/login/second-factor", status_code=303)
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, principal.username)
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "csrf_token": principal.csrf_token,
            "secret": secret,
            "qr": _qr_svg(uri),
            "next": _safe_next(next),
            "required": principal.role in MFA_REQUIRED,
            "reauth": principal.totp_enrolled,
        },
    )


@router.post("/account/second-factor/setup", dependencies=[CsrfChecked])
def totp_setup(
    request: Request,
    principal: PendingUser,
    session: SessionDep,
    secret: Annotated[Typed, Form(min_length=16, max_length=64)],
    code: Annotated[Typed, Form()],  # any length: "413 139", full-width digits are normalised
    next: Annotated[str, Form()] = "/",  # noqa: A002
    password: Annotated[str, Form(max_length=256)] = "",
):
    """Confirm the secret with a code; show the one-time recovery codes. Replacing a factor asks the password."""
    if principal.totp_enrolled and not principal.mfa_passed:
        raise BadSecondFactor("sign in with your current second factor first")
    web, user = session.get(WebSession, principal.session_id), session.get(User, principal.user_id)
    if principal.totp_enrolled:  # replacing a second factor: re-authenticate first
        reauthenticate(
            session,
            user,
            password,
            purpose="totp_enroll",
            source_ip=_ip(request),
            now=utcnow(),
            limits=request.app.state.settings.attempt_limits,
        )
    try:
        codes = enroll_totp(session, web, user, secret=secret, code=code, now=utcnow(), source_ip=_ip(request))
    except BadSecondFactor:
        return render(
            request,
            "accounts/totp_setup.html",
            {
                "csrf_token": principal.csrf_token,
                "secret": secret,
                "qr": _qr_svg(totp.provisioning_uri(secret, principal.username)),
                "next": _safe_next(next),
                "required": principal.role in MFA_REQUIRED,
                "reauth": principal.totp_enrolled,
                "error": _t(request, "The code does not match. Check the phone's clock and try again."),
            },
            status_code=422,
        )
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _safe_next(next)})
    _step_up(request, session, web, response)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, principal: PendingUser, session: SessionDep):
    """Sign out of this browser."""
    end_session(session, principal.session_id, now=utcnow(), source_ip=_ip(request))
    response = redirect("/login", flash=_t(request, "You have signed out."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{language}")
def set_language(language: str, next: str | None = None):  # noqa: A002
    """Switch the interface language (中文 / English)."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/")
def home(principal: CurrentUser) -> Response:
    """Each role's start page: its work screen (app.navigation.start_page)."""
    return RedirectResponse(start_page(principal.role), status_code=303)


@router.get("/account")
def account(request: Request, principal: CurrentUser):
    """The signed-in user's account page: role, permissions, second factor."""
    return render(request, "accounts/account.html", {"permissions": permissions_of(principal.role), "errors": {}})


@router.post("/account/password", dependencies=[CsrfChecked])
def account_password(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    confirm: Annotated[str, Form(max_length=256)],
):
    """Change one's password (the current one is asked again); other sessions end."""
    errors: dict[str, str] = {}
    user = session.get(User, principal.user_id)
    if new != confirm:
        errors["confirm"] = _t(request, "The two new passwords differ.")
    else:
        try:
            change_password(
                session,
                user,
                current=current,
                new=new,
                keep_session_id=principal.session_id,
                now=utcnow(),
                source_ip=_ip(request),
                limits=request.app.state.settings.attempt_limits,
            )
        except AppError as exc:
            if exc.code == "bad_credentials":
                session.commit()  # keep the count and the audit event (at the lock, every session has ended)
                errors["current"] = _t(request, "The current password is wrong.")
            elif exc.code == "weak_password":
                errors["new"] = weak_password_words(gettext_for(request_language(request)), exc)
            else:
                raise
    if errors:
        return render(
            request,
            "accounts/account.html",
            {"permissions": permissions_of(principal.role), "errors": errors},
            status_code=422,
        )
    response = redirect("/account", flash=_t(request, "Password changed. Your other sessions were signed out."))
    _step_up(request, session, session.get(WebSession, principal.session_id), response)
    return response
