"""HTML route of the station fleet: every capture station's state at a glance, for managers and administrators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.accounts.dependencies import require
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.templates import render
from app.fleet import service
from app.fleet.api import server_version, thresholds
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)
FleetViewer = Annotated[WebPrincipal, Depends(require(Perm.manage_stations, Perm.manage_records))]
REFRESH_SECONDS = 30


@router.get("/fleet")
def fleet_page(request: Request, session: SessionDep, project: CurrentProject, principal: FleetViewer):
    """Stations: online or offline, behind, low disk, old version or QC profile, image source, since when."""
    now = utcnow()
    limits = thresholds()
    rows = service.fleet(session, project, now=now, server_version=server_version(), limits=limits)
    return render(
        request,
        "fleet/fleet.html",
        {
            "project": project,
            "rows": rows,
            "as_of": now,
            "trouble": service.stations_in_trouble(rows),
            "server_version": server_version(),
            "profile": service.project_profile_fingerprint(project),
            "offline_seconds": limits.offline_after.total_seconds(),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
