"""JSON routes for capture stations: operator sign-in and sign-out."""

from fastapi import APIRouter, Request

from app.accounts.dependencies import CurrentStation, StationToken
from app.accounts.schemas import OperatorToday, StationLogin, StationSessionPublic, WhoAmI
from app.accounts.service import close_station_session, open_station_session
from app.core.clock import local_date, utcnow
from app.core.config import get_settings
from app.core.db import SessionDep
from app.production.service import operator_day

router = APIRouter(prefix="/api/v1/station", tags=["station"])


@router.post("/sessions", response_model=StationSessionPublic, status_code=201)
def station_login(body: StationLogin, token: StationToken, session: SessionDep, request: Request):
    """Sign an operator in at this station (station token as Bearer); returns the operator token."""
    opened = open_station_session(
        session,
        station_token=token,
        username=body.username,
        password=body.password,
        now=utcnow(),
        hours=get_settings().operator_session_hours,
        source_ip=request.client.host if request.client else None,
        limits=request.app.state.settings.attempt_limits,
    )
    p = opened.principal
    return StationSessionPublic(
        token=opened.token,
        expires_at=opened.expires_at,
        user_id=p.user_id,
        username=p.username,
        display_name=opened.display_name,
        role=p.role,
        station_id=p.station_id,
        project_id=p.project_id,
    )


@router.get("/me", response_model=WhoAmI)
def station_me(ctx: CurrentStation):
    """The station and operator behind the tokens (checks that both are still valid)."""
    p = ctx.principal
    return WhoAmI(station_id=p.station_id, project_id=p.project_id, user_id=p.user_id, username=p.username, role=p.role)


@router.delete("/sessions/current", status_code=204)
def station_logout(ctx: CurrentStation, session: SessionDep):
    """Sign the operator out of this station."""
    close_station_session(session, ctx.principal, utcnow())


@router.get("/today", response_model=OperatorToday)
def station_today(ctx: CurrentStation, session: SessionDep):
    """The signed-in operator's good pages today against the daily quota (Asia/Shanghai day)."""
    day = operator_day(session, ctx.project, ctx.principal.user_id, local_date(utcnow(), ctx.project.timezone))
    return OperatorToday(
        date=day.day,
        good_pages=day.good_pages,
        quota=day.quota,
        failed_images=day.failed_images,
        reshoots=day.reshoots,
        last_capture_at=day.last_capture_at,
    )


@router.get("/qc-profile")
def station_qc_profile(ctx: CurrentStation) -> dict:
    """The project's QC profile, so that the station's instant check uses the server's thresholds."""
    import qc

    profile = qc.load_profile(ctx.project.qc_profile) if ctx.project.qc_profile else qc.default_profile()
    return {"profile": profile.to_dict()}
