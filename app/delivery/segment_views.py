"""HTML routes of segments and naming: the project's list and template, the completeness check, corrections."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.core.typed import Typed, typed_int
from app.delivery.exceptions import BadNaming, BadSegment
from app.delivery.labels import state_message
from app.delivery.naming import TEMPLATE_FIELDS, page_path
from app.delivery.segments import assign_range, incomplete_records, record_segments, save_scheme, scheme
from app.projects.dependencies import CurrentProject
from app.records.service import get_record

router = APIRouter(include_in_schema=False)

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
Namer = Annotated[WebPrincipal, Depends(require(Perm.manage_records))]
Corrector = Annotated[WebPrincipal, Depends(require(Perm.correct_segments))]


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _naming_error(request: Request, exc: BadNaming | BadSegment) -> str:
    return state_message(translations(request_language(request)).gettext, exc.code, exc.detail, exc.params)


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


def _check_page(request: Request, session, project, principal, *, error=None, form=None, status_code=200):  # noqa: ANN001, ANN202
    names = scheme(session, project.id)
    total, rows = incomplete_records(session, project.id, names.segments, limit=200)
    return render(
        request,
        "delivery/segments.html",
        {
            "project": project,
            "scheme": names,
            "total": total,
            "rows": rows,
            "error": error,
            "form": form or {"segments": "\n".join(names.segments), "template": names.template},
            "fields": TEMPLATE_FIELDS,
            "can_name": allowed(principal.role, Perm.manage_records),
            "can_correct": allowed(principal.role, Perm.correct_segments),
        },
        status_code=status_code,
    )


@router.get("/delivery/segments")
def segments_page(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """The segment list, the naming template, and the records whose pages cannot all be named yet."""
    return _check_page(request, session, project, principal)


@router.post("/delivery/segments", dependencies=[CsrfChecked])
def segments_save(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Namer,
    segments: Annotated[str, Form(max_length=4000)] = "",
    template: Annotated[str, Form(max_length=300)] = "",
):
    """Save the segment list (one per line, in delivery order) and the naming template."""
    try:
        save_scheme(
            session,
            project.id,
            segments=segments.splitlines(),
            template=template,
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except BadNaming as exc:
        session.rollback()
        return _check_page(
            request,
            session,
            project,
            principal,
            error=_naming_error(request, exc),
            form={"segments": segments, "template": template},
            status_code=422,
        )
    return redirect("/delivery/segments", flash=_t(request, "Saved."))


def _record_page(request: Request, session, project, principal, record_id: int, *, error=None, status_code=200):  # noqa: ANN001, ANN202
    record = get_record(session, project.id, record_id)
    names = scheme(session, project.id)
    rows = []
    for page, seg in record_segments(session, record, names.segments):
        path = None
        if seg.segment_index is not None:
            path = page_path(
                names.template,
                mrn=record.mrn,
                visit=record.visit,
                segments=names.segments,
                seg=seg,
                media_type="image/jpeg",
            )
        rows.append({"page": page, "seg": seg, "path": path})
    return render(
        request,
        "delivery/record_segments.html",
        {
            "project": project,
            "record": record,
            "scheme": names,
            "rows": rows,
            "error": error,
            "can_correct": allowed(principal.role, Perm.correct_segments),
        },
        status_code=status_code,
    )


@router.get("/delivery/segments/records/{record_id}")
def record_segments_page(
    record_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer
):
    """A record's pages with their segment and the file name each gets in the delivery."""
    return _record_page(request, session, project, principal, record_id)


@router.post("/delivery/segments/records/{record_id}", dependencies=[CsrfChecked])
def record_segments_assign(
    record_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Corrector,
    first: Annotated[Typed, Form(max_length=6)] = "",
    last: Annotated[Typed, Form(max_length=6)] = "",
    segment: Annotated[Typed, Form(max_length=40)] = "",
):
    """Put a range of pages into a segment (the pages after the range keep theirs)."""
    record = get_record(session, project.id, record_id)
    try:
        if typed_int(first) is None or typed_int(last) is None:
            raise BadSegment("give the first and last page numbers", code="pages_missing")
        n = assign_range(
            session,
            record,
            first=int(first),
            last=int(last),
            segment=segment,
            segments=scheme(session, project.id).segments,
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except BadSegment as exc:
        session.rollback()
        error = _naming_error(request, exc)
        return _record_page(request, session, project, principal, record_id, error=error, status_code=422)
    return redirect(
        f"/delivery/segments/records/{record_id}",
        flash=_t(request, "%(n)s pages put into %(segment)s.") % {"n": n, "segment": segment},
    )
