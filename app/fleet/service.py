"""Station heartbeats: record them, keep since-times of trouble conditions, and list the fleet for the screen."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.accounts.models import Station
from app.audit.service import record_event
from app.fleet import rules
from app.fleet.exceptions import HeartbeatTooSoon
from app.fleet.models import StationStatus
from app.fleet.schemas import Heartbeat
from app.projects.models import Project
from qc import default_profile, load_profile
from qc.fingerprint import profile_fingerprint


def project_profile_fingerprint(project: Project) -> str:
    """The fingerprint of the QC profile the project's stations should be using."""
    profile = load_profile(project.qc_profile) if project.qc_profile else default_profile()
    return profile_fingerprint(profile)


def record_heartbeat(
    session: Session,
    station: Station,
    project: Project,
    beat: Heartbeat,
    *,
    now: datetime,
    server_version: str,
    limits: rules.Thresholds,
    min_interval: timedelta,
    source_ip: str | None,
) -> StationStatus:
    """Store a station's heartbeat; audit when a condition starts or ends, or the station comes back online.

    Raises HeartbeatTooSoon (429) when the last accepted heartbeat is closer than `min_interval`: nothing written.
    """
    status = session.exec(select(StationStatus).where(StationStatus.station_id == station.id)).first()
    if status is not None and rules.too_soon(status.reported_at, now, min_interval):
        raise HeartbeatTooSoon(f"the last heartbeat was accepted less than {min_interval.total_seconds():g} s ago")
    reported = rules.Reported(beat.version, beat.qc_profile, beat.oldest_item_age_s, beat.disk_free_bytes, beat.source)
    found = rules.reported_conditions(
        reported, server_version=server_version, profile=project_profile_fingerprint(project), limits=limits
    )
    previous = dict(status.since) if status else {}
    was_offline = status is not None and rules.is_offline(status.reported_at, now, limits)
    since = rules.carry_since(previous, found, now.isoformat())
    started, ended = sorted(set(since) - set(previous)), sorted(set(previous) - set(since))
    if was_offline:
        started = ["online", *started]
    if status is None:
        status = StationStatus(station_id=station.id, project_id=station.project_id, reported_at=now, version="")
    for field, value in beat.model_dump().items():
        setattr(status, field, value)
    status.reported_at, status.since = now, since
    station.last_seen_at = now
    session.add(status)
    session.add(station)
    if started or ended or status.id is None:
        record_event(
            session,
            "station.condition",
            project_id=station.project_id,
            actor_station_id=station.id,
            object_type="station",
            object_id=station.id,
            source_ip=source_ip,
            detail={"started": started, "ended": ended, "version": beat.version},
        )
    session.flush()
    return status


@dataclass(frozen=True)
class FleetRow:
    """A station on the Stations screen: its last report and its trouble conditions with their start times."""

    station: Station
    status: StationStatus | None
    conditions: list[tuple[str, datetime]]

    @property
    def online(self) -> bool:
        """A heartbeat within the offline window."""
        return not any(code == rules.OFFLINE for code, _ in self.conditions) and self.status is not None


def fleet(session: Session, project: Project, *, now: datetime, server_version: str, limits: rules.Thresholds):
    """Every active station of the project with its conditions (offline derived from the last heartbeat time)."""
    stations = session.exec(
        select(Station)
        .where(Station.project_id == project.id, col(Station.revoked_at).is_(None), col(Station.active).is_(True))
        .order_by(Station.name)
    ).all()
    statuses = {
        s.station_id: s for s in session.exec(select(StationStatus).where(StationStatus.project_id == project.id))
    }
    rows = []
    for station in stations:
        status = statuses.get(station.id)
        conditions: list[tuple[str, datetime]] = []
        if status is None or rules.is_offline(status.reported_at, now, limits):
            since = rules.offline_since(status.reported_at, limits) if status else station.created_at
            conditions.append((rules.OFFLINE, since))
        if status is not None:
            for code in rules.CONDITIONS:
                if code in status.since:
                    conditions.append((code, datetime.fromisoformat(status.since[code])))
        rows.append(FleetRow(station, status, conditions))
    return rows


def stations_in_trouble(rows: list[FleetRow]) -> int:
    """How many stations have at least one condition (the Today screen's warning line)."""
    return sum(1 for r in rows if r.conditions)
