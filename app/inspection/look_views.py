"""HTML routes of the pages that need a look (issue 16): the list for the vendor's QC, and opening one to judge."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request

from app.accounts.dependencies import CsrfChecked
from app.accounts.permissions import Perm, allowed
from app.core.clock import utcnow
from app.core.db import DbId, SessionDep
from app.core.errors import AppError
from app.core.templates import redirect, render
from app.inspection.looks import look_lines, open_look
from app.inspection.views import Inspector, QCReader, _common, _failure
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)


@router.get("/inspection/looks")
def looks_page(
    request: Request,
    principal: QCReader,
    session: SessionDep,
    project: CurrentProject,
    show: Annotated[str, Query(pattern="^(open|all)$")] = "open",
):
    """Pages whose processed copy kept the full frame (outline uncertain): the ones to look at, or all of them."""
    return render(
        request,
        "inspection/looks.html",
        {
            **_common(project),
            "lines": look_lines(session, project.id, include_judged=show == "all"),
            "show": show,
            "can_inspect": allowed(principal.role, Perm.flag_reshoot),
            "can_see_images": allowed(principal.role, Perm.view_images),
        },
    )


@router.post("/inspection/looks/{page_id}", dependencies=[CsrfChecked])
def open_look_form(
    request: Request,
    page_id: DbId,
    principal: Inspector,
    session: SessionDep,  # a POST's session writes (the principal's dependency shares it)
    project: CurrentProject,
    image_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
):
    """Open a page that needs a look in the inspection screen (pass it as it is, or flag it for a re-shoot)."""
    try:
        item_id = open_look(session, project.id, page_id, image_id, principal.user_id, utcnow())
    except AppError as exc:
        if exc.status == 404:
            raise
        return _failure(request, session, exc, "/inspection/looks")
    return redirect(f"/inspection/items/{item_id}?back=looks")
