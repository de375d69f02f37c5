"""HTML routes of production: the Today board."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.accounts.dependencies import require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep
from app.core.templates import render
from app.production.service import today_board
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)


@router.get("/today")
def today(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Annotated[WebPrincipal, Depends(require(Perm.view_own_production, Perm.view_production))],
):
    """Today's production per operator: good pages against the quota, re-shoots, last shot."""
    day = local_date(utcnow(), project.timezone)
    only = None if allowed(principal.role, Perm.view_production) else principal.user_id
    rows = today_board(session, project, day, only_user_id=only)
    totals = {
        "good": sum(r.good_pages for r in rows),
        "images": sum(r.images for r in rows),
        "failed": sum(r.failed_images for r in rows),
        "reshoots": sum(r.reshoots for r in rows),
    }
    return render(
        request,
        "production/today.html",
        {"project": project, "day": day, "rows": rows, "totals": totals, "refresh_seconds": 30},
    )
