"""The audit screen (audit administrator only): filter the trail, page through it, export it."""

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.accounts.dependencies import require
from app.accounts.models import User
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.audit.models import AuditEvent
from app.audit.service import record_event, search_events
from app.core.clock import utcnow
from app.core.db import SessionDep, WriteSessionDep
from app.core.templates import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[WebPrincipal, Depends(require(Perm.view_audit))]
PAGE = 100
TZ = "Asia/Shanghai"


def _bounds(day_from: date | None, day_to: date | None) -> tuple[datetime | None, datetime | None]:
    tz = ZoneInfo(TZ)
    since = datetime.combine(day_from, time.min, tz) if day_from else None
    until = datetime.combine(day_to + timedelta(days=1), time.min, tz) if day_to else None
    return since, until


@router.get("/audit")
def audit(
    request: Request,
    principal: Auditor,
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
    before: int | None = None,
):
    """The audit trail, newest first, with filters."""
    user_id = _user_id(session, user)
    since, until = _bounds(day_from, day_to)
    events = (
        search_events(
            session,
            action=action or None,
            user_id=user_id,
            outcome=outcome or None,
            since=since,
            until=until,
            before_id=before,
            limit=PAGE + 1,
        )
        if user_id != -1
        else []
    )
    more = len(events) > PAGE
    events = events[:PAGE]
    names = _names(session, events)
    query = {
        k: v
        for k, v in {
            "action": action,
            "user": user,
            "outcome": outcome,
            "from": day_from and day_from.isoformat(),
            "to": day_to and day_to.isoformat(),
        }.items()
        if v
    }
    return render(
        request,
        "audit/audit.html",
        {"events": events, "names": names, "filters": query, "next_before": events[-1].id if more and events else None},
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request,
    principal: Auditor,
    session: WriteSessionDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
):
    """The filtered trail as CSV (UTF-8 with BOM, for Excel); the export itself is audited."""
    user_id = _user_id(session, user)
    since, until = _bounds(day_from, day_to)
    events = (
        search_events(
            session,
            action=action or None,
            user_id=user_id,
            outcome=outcome or None,
            since=since,
            until=until,
            limit=1_000_000,
        )
        if user_id != -1
        else []
    )
    names = _names(session, events)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "at_utc",
            "at_local",
            "project_id",
            "user",
            "role",
            "station_id",
            "action",
            "object_type",
            "object_id",
            "source_ip",
            "outcome",
            "detail",
            "prev_hash",
            "hash",
        ]
    )
    tz = ZoneInfo(TZ)
    for e in reversed(events):
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.at.astimezone(tz).isoformat(),
                e.project_id,
                names.get(e.actor_user_id, ""),
                e.actor_role or "",
                e.actor_station_id or "",
                e.action,
                e.object_type or "",
                e.object_id or "",
                e.source_ip or "",
                e.outcome,
                e.detail,
                e.prev_hash,
                e.hash,
            ]
        )
    record_event(
        session,
        "audit.export",
        actor_user_id=principal.user_id,
        actor_role=principal.role,
        source_ip=request.client.host if request.client else None,
        detail={"rows": len(events)},
    )
    stamp = utcnow().astimezone(tz).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="folio-audit-{stamp}.csv"'},
    )


def _user_id(session, username: str | None) -> int | None:  # noqa: ANN001
    if not username:
        return None
    from sqlmodel import select

    user = session.exec(select(User).where(User.username == username)).first()
    return user.id if user else -1


def _names(session, events: list[AuditEvent]) -> dict[int, str]:  # noqa: ANN001
    from sqlmodel import col, select

    ids = {e.actor_user_id for e in events if e.actor_user_id}
    if not ids:
        return {}
    return {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(ids)))}
