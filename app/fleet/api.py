"""JSON route of the station fleet: the heartbeat a capture station sends while it runs (station token only)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from app import __version__
from app.accounts.dependencies import station_only
from app.accounts.models import Station
from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.db import SessionDep
from app.fleet import service
from app.fleet.rules import Thresholds
from app.fleet.schemas import Heartbeat, HeartbeatAccepted
from app.projects.models import Project

router = APIRouter(prefix="/api/v1/station", tags=["station"])
StationId = Annotated[int, Depends(station_only)]


def thresholds() -> Thresholds:
    """The fleet's thresholds from the settings (offline window) and the rules' defaults."""
    return Thresholds(offline_after=timedelta(seconds=get_settings().station_offline_seconds))


def server_version() -> str:
    """The version stations should run: the server's own (they are built from the same source)."""
    return __version__


@router.post("/heartbeat", response_model=HeartbeatAccepted)
def heartbeat(body: Heartbeat, station_id: StationId, session: SessionDep, request: Request):
    """A station's state every 60 s: version, QC profile, operator, upload queue, disk, last shot, image source.

    429 heartbeat_too_soon when beats come closer than the minimum interval (nothing is written twice).
    """
    station = _station(session, station_id)
    settings = get_settings()
    service.record_heartbeat(
        session,
        station,
        session.get(Project, station.project_id),
        body,
        now=utcnow(),
        server_version=server_version(),
        limits=thresholds(),
        min_interval=timedelta(seconds=settings.heartbeat_min_seconds),
        source_ip=request.client.host if request.client else None,
    )
    return HeartbeatAccepted(next_in_s=settings.heartbeat_every_seconds)


def _station(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    assert station is not None  # station_only has just found it active
    return station
