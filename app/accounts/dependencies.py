"""Who is calling: a station with its signed-in operator."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.accounts.exceptions import BadStationToken, OperatorSessionExpired
from app.accounts.service import StationPrincipal, resolve_station_principal, station_by_token
from app.core.clock import utcnow
from app.projects.models import Project

_bearer = HTTPBearer(auto_error=False, description="The station's API token (fst_…)")


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
