"""Who is calling: a station with its signed-in operator, or a browser user with a session cookie."""

import logging
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.accounts.exceptions import (
    BadStationToken,
    CsrfFailed,
    NotSignedIn,
    OperatorSessionExpired,
    SecondFactorRequired,
)
from app.accounts.permissions import Perm, allowed
from app.accounts.service import StationPrincipal, resolve_station_principal, station_by_token
from app.accounts.signin import WebPrincipal, principal_of, resolve_session
from app.core.clock import utcnow
from app.core.db import writing
from app.core.errors import AppError, Forbidden
from app.core.security import same
from app.projects.models import Project

_bearer = HTTPBearer(auto_error=False, description="The station's API token (fst_…)")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StationContext:
    """The calling station's operator and a detached copy of their project."""

    principal: StationPrincipal
    project: Project


def station_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The bearer token of the request, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise BadStationToken("send the station token as 'Authorization: Bearer <token>'")
    return credentials.credentials


StationToken = Annotated[str, Depends(station_token)]


def station_context(
    request: Request,
    token: StationToken,
    x_operator_token: Annotated[str | None, Header(description="The operator's session token (fop_…)")] = None,
) -> StationContext:
    """Check the station and operator tokens in a short read-only session of their own.

    The request's own transaction is not started here, so an upload takes the database's
    write lock only for its final write, not while its image is being checked.
    """
    if not x_operator_token:
        raise OperatorSessionExpired("no operator is signed in: send X-Operator-Token")
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        principal = resolve_station_principal(
            session, station_token=token, operator_token=x_operator_token, now=utcnow()
        )
        project = session.get(Project, principal.project_id)
        assert project is not None
        session.expunge(project)
    return StationContext(principal, project)


def station_only(request: Request, token: StationToken) -> int:
    """The id of the calling station (no operator needed), checked in a short session."""
    with Session(request.app.state.engine) as session:
        return station_by_token(session, token).id or 0


CurrentStation = Annotated[StationContext, Depends(station_context)]


SESSION_COOKIE = "folio_session"


def web_session_principal(request: Request) -> WebPrincipal:
    """The browser user behind the session cookie (second factor not yet required), or NotSignedIn."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or not token.startswith("fws_"):
        raise NotSignedIn("please sign in")
    settings = request.app.state.settings
    engine = request.app.state.engine
    try:
        web, user = _resolve(writing(engine), token, settings.signin_policy, keep=True)
    except OperationalError as exc:  # SQLite's write lock stayed taken past the busy timeout (breakit-b16 #2)
        if "locked" not in str(exc):
            raise
        log.warning("session touch skipped, the database is busy: %s", exc)
        web, user = _resolve(engine, token, settings.signin_policy, keep=False)
    principal = replace(principal_of(web, user), source_ip=request.client.host if request.client else None)
    request.state.user = principal
    return principal


def _resolve(engine, token: str, policy, *, keep: bool):  # noqa: ANN001, ANN202
    """resolve_session in its own transaction; its writes (the idle clock, an ended session) are kept only when
    `keep`: a page that only reads is served without them rather than failing while another writer is busy."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            found = resolve_session(session, token, now=utcnow(), policy=policy)
            session.commit() if keep else session.rollback()
            return found
        except AppError as exc:
            session.commit() if keep and exc.keep_writes else session.rollback()
            raise


def signed_in(principal: Annotated[WebPrincipal, Depends(web_session_principal)]) -> WebPrincipal:
    """A browser user who has passed every factor their role needs."""
    if not principal.mfa_passed:
        raise SecondFactorRequired("enter the code from your authenticator app")
    return principal


def require(*perms: Perm):  # noqa: ANN201  (returns a dependency)
    """A dependency that lets through only roles holding one of the permissions (deny by default)."""

    def dependency(principal: Annotated[WebPrincipal, Depends(signed_in)]) -> WebPrincipal:
        if not any(allowed(principal.role, p) for p in perms):
            raise Forbidden("your role may not open this page or do this", code="forbidden")
        return principal

    dependency.__name__ = "require_" + "_or_".join(p.value for p in perms)
    dependency.permissions = perms  # type: ignore[attr-defined]  # read by the route x role test
    return dependency


async def csrf_protect(request: Request, principal: Annotated[WebPrincipal, Depends(web_session_principal)]) -> None:
    """Every form of a signed-in user carries the session's CSRF token."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not same(sent, principal.csrf_token):
        raise CsrfFailed("the form has expired or did not come from Folio; reload the page and try again")


CurrentUser = Annotated[WebPrincipal, Depends(signed_in)]
PendingUser = Annotated[WebPrincipal, Depends(web_session_principal)]
CsrfChecked = Depends(csrf_protect)
