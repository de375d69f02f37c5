"""The audit screen (audit administrator only): filter the trail, page through it, export it."""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from app.accounts.dependencies import require
from app.accounts.models import User
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.audit.models import AuditEvent
from app.audit.service import record_event, search_events
from app.core.clock import utcnow
from app.core.db import DbIdQuery, SessionDep, WriteSessionDep
from app.core.exports import csv_writer
from app.core.i18n import gettext_for
from app.core.templates import render, request_language
from app.navigation import N_
from app.wording import label

router = APIRouter(include_in_schema=False)
Auditor = Annotated[WebPrincipal, Depends(require(Perm.view_audit))]
PAGE = 100
TZ = "Asia/Shanghai"
# (heading msgid, machine name): headings in the reader's language; codes stay beside the words for machines
CSV_COLUMNS = [
    N_("Event"),
    N_("Time (UTC)"),
    N_("Time (Beijing)"),
    N_("Project"),
    N_("User"),
    N_("Role"),
    N_("Station"),
    N_("Action code"),
    N_("Action"),
    N_("Object type"),
    N_("Object"),
    N_("Address"),
    N_("Outcome"),
    N_("Detail"),
    N_("Previous hash"),
    N_("Hash"),
]


@dataclass(frozen=True)
class AuditFilters:
    """The filters of the audit screen, as typed in its form."""

    action: str | None
    user: str | None
    outcome: str | None
    day_from: date | None
    day_to: date | None

    def query(self) -> dict[str, str]:
        """The filters as URL query parameters (for links and the export)."""
        values = {
            "action": self.action,
            "user": self.user,
            "outcome": self.outcome,
            "from": self.day_from and self.day_from.isoformat(),
            "to": self.day_to and self.day_to.isoformat(),
        }
        return {k: v for k, v in values.items() if v}

    def search(
        self, session: Session, *, project_id: int | None, before_id: int | None = None, limit: int
    ) -> list[AuditEvent]:
        """The project's matching events, newest first (none when the named user is not in the project)."""
        user_id = None
        if self.user:
            query = select(User.id).where(User.username == self.user)
            if project_id is not None:
                query = query.where(User.project_id == project_id)
            user_id = session.exec(query).first()
            if user_id is None:
                return []
        tz = ZoneInfo(TZ)
        since = datetime.combine(self.day_from, time.min, tz) if self.day_from else None
        until = datetime.combine(self.day_to + timedelta(days=1), time.min, tz) if self.day_to else None
        return search_events(
            session,
            action=self.action,
            user_id=user_id,
            outcome=self.outcome,
            since=since,
            until=until,
            before_id=before_id,
            limit=limit,
            project_id=project_id,
        )


def audit_filters(
    action: Annotated[str | None, Query(max_length=64)] = None,
    user: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
) -> AuditFilters:
    """Read the filters from the query string; a day outside 2000-2200 is no filter (no event lies there, and the
    edges of the calendar have no UTC datetime)."""

    def bounded(day: date | None) -> date | None:
        return day if day is not None and 2000 <= day.year <= 2200 else None

    return AuditFilters(action or None, user or None, outcome or None, bounded(day_from), bounded(day_to))


Filters = Annotated[AuditFilters, Depends(audit_filters)]


def _names(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_user_id for e in events if e.actor_user_id}
    if not ids:
        return {}
    return {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(ids)))}


@router.get("/audit")
def audit(request: Request, principal: Auditor, session: SessionDep, filters: Filters, before: DbIdQuery = None):
    """The audit trail, newest first, with filters."""
    events = filters.search(session, project_id=principal.project_id, before_id=before, limit=PAGE + 1)
    more, events = len(events) > PAGE, events[:PAGE]
    return render(
        request,
        "audit/audit.html",
        {
            "events": events,
            "names": _names(session, events),
            "filters": filters.query(),
            "next_before": events[-1].id if more and events else None,
        },
    )


@router.get("/audit.csv")
def audit_csv(request: Request, principal: Auditor, session: WriteSessionDep, filters: Filters):
    """The filtered trail as CSV (UTF-8 with BOM, for Excel); the export itself is audited."""
    events = filters.search(session, project_id=principal.project_id, limit=10_000_000)
    names = _names(session, events)
    tz = ZoneInfo(TZ)
    out = io.StringIO()
    writer = csv_writer(out)
    _ = gettext_for(request_language(request))
    writer.writerow([_(c) for c in CSV_COLUMNS])
    for e in reversed(events):
        writer.writerow(
            [
                e.id,
                e.at.isoformat() if e.at else "",
                e.at.astimezone(tz).isoformat() if e.at else "",
                e.project_id,
                names.get(e.actor_user_id, ""),
                _(label("role", e.actor_role)) if e.actor_role else "",
                e.actor_station_id or "",
                e.action,
                _(label("audit_action", e.action)),
                _(label("audit_object", e.object_type)) if e.object_type else "",
                e.object_id or "",
                e.source_ip or "",
                _(label("audit_outcome", e.outcome)),
                e.detail,
                e.prev_hash,
                e.hash,
            ]
        )
    record_event(
        session,
        "audit.export",
        project_id=principal.project_id,
        actor_user_id=principal.user_id,
        actor_role=principal.role,
        source_ip=request.client.host if request.client else None,
        detail={"rows": len(events), **filters.query()},
    )
    stamp = utcnow().astimezone(tz).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="folio-audit-{stamp}.csv"'},
    )
