"""HTML routes of the delivery package: what is ready, asking for approval, starting, progress, resuming."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.models import Approval
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.delivery import runner
from app.delivery.contents import export_profile
from app.delivery.exceptions import ExportRefused, ExportStateError
from app.delivery.failures import failure_detail, failure_words
from app.delivery.labels import display_status, export_status_label, profile_items, refusal_message, state_message
from app.delivery.looks import export_unlooked_pages
from app.delivery.retry import left_out_records, retry_left_out
from app.delivery.service import (
    accepted_rounds,
    delivery_root,
    effective_status,
    get_export,
    list_exports,
    preflight,
    profile_words,
    request_export,
    resumable,
    start_export,
)
from app.projects.delivery_profile import DeliveryProfileError
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
Exporter = Annotated[WebPrincipal, Depends(require(Perm.export_delivery))]


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


def _default_target(request: Request, project) -> str:  # noqa: ANN001
    root = delivery_root(request.app.state.settings.image_store)
    return str(root / f"{project.code}-{local_date(utcnow(), project.timezone).isoformat()}")


def _refusal(request: Request, exc: ExportRefused | ExportStateError) -> str:
    gettext = translations(request_language(request)).gettext
    if isinstance(exc, ExportStateError):
        return state_message(gettext, exc.code, exc.detail, exc.params)
    return refusal_message(gettext, exc.code, exc.detail, exc.path)


def _profile(project, export) -> list[tuple[str, str]] | None:  # noqa: ANN001
    """The profile the export delivers, as (label msgid, value msgid) pairs like the approval shows it; None for
    a stored profile that no longer loads (the page still opens)."""
    try:
        return profile_items(profile_words(export_profile(project, export)))
    except DeliveryProfileError:
        return None


def _rows(session, exports, now):  # noqa: ANN001, ANN202
    from app.accounts.approvals import status_of

    rows = []
    for export in exports:
        approval = session.get(Approval, export.approval_id) if export.approval_id else None
        rows.append(
            {
                "e": export,
                "status": effective_status(export, now),
                "approval": status_of(approval, now) if approval else None,
                "resumable": resumable(export, now),
            }
        )
    return rows


def _home(request: Request, session, project, principal, *, error=None, form=None, status_code=200):  # noqa: ANN001, ANN202
    now = utcnow()
    return render(
        request,
        "delivery/home.html",
        {
            "export_status_label": export_status_label,
            "display_status": display_status,
            "project": project,
            "ready": preflight(session, project, local_date(now, project.timezone)),
            "rows": _rows(session, list_exports(session, project.id), now),
            "can_export": allowed(principal.role, Perm.export_delivery),
            "error": error,
            "form": form or {"target": _default_target(request, project), "reason": ""},
        },
        status_code=status_code,
    )


@router.get("/delivery")
def delivery_home(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """Accepted work ready for delivery, what stops it, and the exports so far."""
    return _home(request, session, project, principal)


@router.post("/delivery/exports", dependencies=[CsrfChecked])
def export_request(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Exporter,
    target: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
):
    """Ask for a delivery package to a folder on the server; the records custodian approves it."""
    try:
        export = request_export(
            session,
            project,
            principal,
            target=target,
            reason=reason,
            image_store=request.app.state.settings.image_store,
            now=utcnow(),
        )
    except ExportRefused as exc:
        session.rollback()
        return _home(
            request,
            session,
            project,
            principal,
            error=_refusal(request, exc),
            form={"target": target, "reason": reason},
            status_code=422,
        )
    flash = _t(request, "Export requested: the records custodian approves it under Approvals.")
    approval = session.get(Approval, export.approval_id)
    looks = (approval.payload or {}).get("pages_need_look", 0) if approval else 0
    if looks:  # a warning, not a refusal (app.delivery.looks says why)
        flash += " " + _t(
            request,
            "%(n)s accepted pages need a look (outline uncertain, full frame kept) and were never looked at: "
            "see /inspection/looks. The custodian sees this count when she approves.",
        ) % {"n": looks}
    return redirect(f"/delivery/exports/{export.id}", flash=flash)


@router.get("/delivery/exports/{export_id}")
def export_page(export_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """One export: its approval, its progress (updated live), where the package is and how to verify it."""
    export = get_export(session, project.id, export_id)
    now = utcnow()
    [row] = _rows(session, [export], now)
    rounds = []  # started: the rounds the export fixed (app.delivery.looks.export_unlooked_pages)
    if export.status == "awaiting_approval":  # not started: the pages the start would take
        rounds = [r.id for r in accepted_rounds(session, project.id, local_date(now, project.timezone))]
    return render(
        request,
        "delivery/export.html",
        {
            "project": project,
            "row": row,
            "e": export,
            "profile": _profile(project, export),
            "looks": export_unlooked_pages(session, export, rounds),
            "can_look": any(allowed(principal.role, p) for p in (Perm.flag_reshoot, Perm.set_inspection_rates)),
            "export_status_label": export_status_label,
            "display_status": display_status,
            "can_export": allowed(principal.role, Perm.export_delivery),
            "left_out": left_out_records(session, export.id) if export.records_failed else [],
            # why it stopped or a record was left out, in the reader's words; the English detail for administrators
            "failure_words": lambda text: failure_words(translations(request_language(request)).gettext, text),
            "failure_detail": failure_detail if allowed(principal.role, Perm.manage_settings) else lambda text: "",
        },
    )


@router.get("/delivery/exports/{export_id}/progress")
def export_progress(export_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """The export's progress as JSON, for the progress bar."""
    export = get_export(session, project.id, export_id)
    return JSONResponse(
        {
            "status": effective_status(export, utcnow()),
            "records_done": export.records_done,
            "record_count": export.record_count,
            "pages_done": export.pages_done,
            "page_count": export.page_count,
            "bytes_done": export.bytes_done,
            "records_failed": export.records_failed,
            "error": failure_words(translations(request_language(request)).gettext, export.error),
        },
        headers={"Cache-Control": "no-store"},
    )


def _launch(request: Request, export_id: int) -> None:
    runner.start_in_background(request.app.state.engine, request.app.state.store, export_id)


@router.post("/delivery/exports/{export_id}/start", dependencies=[CsrfChecked])
def export_start(
    export_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Exporter
) -> Response:
    """Spend the approval and start writing the package in the background."""
    export = get_export(session, project.id, export_id)
    try:
        start_export(session, project, export, actor=_actor(request, principal), now=utcnow())
    except (ExportRefused, ExportStateError) as exc:
        session.rollback()
        return redirect(f"/delivery/exports/{export_id}", flash=_refusal(request, exc), kind="error")
    session.commit()  # the worker thread must see the export queued
    _launch(request, export_id)
    return redirect(f"/delivery/exports/{export_id}", flash=_t(request, "Export started."))


@router.post("/delivery/exports/{export_id}/resume", dependencies=[CsrfChecked])
def export_resume(
    export_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Exporter
) -> Response:
    """Take up an interrupted or failed export where it stopped."""
    export = get_export(session, project.id, export_id)
    if not resumable(export, utcnow()):
        return redirect(
            f"/delivery/exports/{export_id}", flash=_t(request, "This export cannot be resumed now."), kind="error"
        )
    session.commit()
    _launch(request, export_id)
    return redirect(f"/delivery/exports/{export_id}", flash=_t(request, "Export resumed."))


@router.post("/delivery/exports/{export_id}/retry", dependencies=[CsrfChecked])
def export_retry(
    export_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Exporter
) -> Response:
    """Write the records an export left out again (after their cause was fixed), then its indexes and BagIt files."""
    export = get_export(session, project.id, export_id)
    try:
        retry_left_out(session, export, actor=_actor(request, principal), now=utcnow())
    except ExportStateError as exc:
        session.rollback()
        return redirect(f"/delivery/exports/{export_id}", flash=_refusal(request, exc), kind="error")
    session.commit()  # the worker thread must see the export queued
    _launch(request, export_id)
    flash = _t(request, "The left-out records are being written again.")
    return redirect(f"/delivery/exports/{export_id}", flash=flash)
