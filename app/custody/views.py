"""HTML routes of custody: handover batches scanned at the records room desk, their sheets, confirmation by the
vendor, the outstanding list, the settings. Boxes, shelves and packing are in location_views (included here)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.dependencies import CsrfChecked
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.i18n import gettext_for
from app.core.templates import redirect, request_language
from app.core.typed import typed_int
from app.custody import handovers as handover_service
from app.custody import listing, scans
from app.custody.exceptions import HandoverRefused, HandoverStateError
from app.custody.labels import PROBLEM_LABELS, handover_message
from app.custody.location_views import router as location_router
from app.custody.outstanding import outstanding
from app.custody.policy import policy, save_policy
from app.custody.rules import ScanLine, handover_label
from app.custody.web import KINDS, Custodian, VendorSide, Viewer, _t, actor_of, custody_page
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)


def _refusal(request: Request, exc: HandoverRefused | HandoverStateError) -> str:
    return handover_message(gettext_for(request_language(request)), exc)


@router.get("/custody")
def custody_home(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """What is out of the records room and for how long, with a warning past the project's limit."""
    out = outstanding(session, project, now=utcnow())
    return custody_page(
        request,
        "custody/outstanding.html",
        {
            "project": project,
            "out": out,
            "policy": policy(session, project.id),
            "waiting": listing.waiting_for(session, project.id, principal.user_id),
            "pending": listing.list_handovers(session, project.id, status="pending", limit=50),
        },
    )


@router.get("/custody/handovers")
def handovers(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer, kind: str = ""):
    """The latest check-out and return batches."""
    rows = listing.list_handovers(session, project.id, kind=kind if kind in KINDS else None, limit=200)
    return custody_page(
        request,
        "custody/handovers.html",
        {"project": project, "rows": rows, "kind": kind},
    )


def _new_form(request: Request, session, project, kind: str, **extra):  # noqa: ANN001, ANN202
    context = {
        "project": project,
        "kind": kind,
        "people": handover_service.vendor_people(session, project.id),
        "lines": [],
        "problems": {},
        "error": None,
        "form": {},
        "problem_labels": PROBLEM_LABELS,
        **extra,
    }
    return custody_page(request, "custody/handover_new.html", context, status_code=422 if extra.get("error") else 200)


@router.get("/custody/handovers/new")
def handover_new(
    request: Request, session: SessionDep, project: CurrentProject, principal: Custodian, kind: str = "checkout"
):
    """The scanning form of a new check-out or return batch (a barcode scanner types a code and Enter)."""
    return _new_form(request, session, project, kind if kind in KINDS else "checkout")


@router.post("/custody/handovers", dependencies=[CsrfChecked])
def handover_create(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Custodian,
    kind: Annotated[str, Form()] = "checkout",
    codes: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI copies form defaults)
    condition: Annotated[list[str], Form()] = [],  # noqa: B006
    condition_note: Annotated[list[str], Form()] = [],  # noqa: B006
    codes_text: Annotated[str, Form(max_length=100_000)] = "",
    declared_count: Annotated[str, Form()] = "",
    counterpart_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=500)] = "",
):
    """Write the batch as scanned (all lines or none); the vendor's person confirms it next."""
    kind = kind if kind in KINDS else "checkout"
    lines = [
        ScanLine(
            code, condition[i] if i < len(condition) else "normal", condition_note[i] if i < len(condition_note) else ""
        )
        for i, code in enumerate(codes)
        if code.strip()
    ]
    lines += [ScanLine(code) for code in codes_text.splitlines() if code.strip()]  # typed or pasted without script
    count = typed_int(declared_count)
    form = {"declared_count": declared_count, "counterpart_id": counterpart_id, "note": note}
    try:
        handover = handover_service.create_handover(
            session,
            project,
            kind=kind,
            lines=lines,
            declared_count=count,
            counterpart_id=typed_int(counterpart_id),
            note=note,
            user_id=principal.user_id,
            actor=actor_of(request, principal),
            now=utcnow(),
        )
    except HandoverRefused as exc:
        session.rollback()  # a batch is written whole or not at all (records created by the scan go too)
        return _new_form(
            request,
            session,
            project,
            kind,
            lines=lines,
            problems={p.position: p for p in exc.problems},
            error=_refusal(request, exc),
            form=form,
        )
    label = handover_label(handover.kind, handover.number)
    return redirect(
        f"/custody/handovers/{handover.id}",
        flash=_t(request, "Batch %(label)s written: %(n)s records. The vendor's person confirms it next.")
        % {"label": label, "n": handover.item_count},
    )


@router.get("/custody/lookup")
def lookup(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Custodian,
    code: str = "",
    kind: str = "checkout",
):
    """What a scanned code is and whether this kind of batch would take it (JSON for the scanning form)."""
    found = scans.lookup(session, project, code[:64], kind if kind in KINDS else "checkout")
    problem = _t(request, PROBLEM_LABELS[found.problem]) if found.problem else None
    return JSONResponse(
        {
            "code": found.code,
            "kind": found.kind,
            "label": found.label,
            "state": found.state,
            "problem": found.problem,
            "message": problem,
            "records": found.records,
        }
    )


def _handover_context(request: Request, session, project, principal: WebPrincipal, handover_id: int) -> dict:  # noqa: ANN001
    handover = listing.get_handover(session, project.id, handover_id)
    view = listing.handover_view(session, handover)
    return {
        "project": project,
        "v": view,
        "h": handover,
        "can_confirm": handover.status == "pending"
        and principal.user_id == listing.counterpart_of(handover)
        and allowed(principal.role, Perm.manage_records),
        "can_cancel": handover.status == "pending" and principal.user_id == handover.created_by,
        "problem_labels": PROBLEM_LABELS,
    }


@router.get("/custody/handovers/{handover_id}")
def handover_page(handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """A batch: its records, who handed over and who received, its confirmation, its sheet."""
    return custody_page(
        request, "custody/handover.html", _handover_context(request, session, project, principal, handover_id)
    )


@router.get("/custody/handovers/{handover_id}/sheet")
def handover_sheet(handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """The printable handover sheet with signature lines (print it, or save it as PDF from the print dialog)."""
    ctx = _handover_context(request, session, project, principal, handover_id)
    return custody_page(request, "custody/sheet.html", {**ctx, "printed": utcnow()})


@router.get("/custody/handovers/{handover_id}/sheet.pdf")
def handover_sheet_pdf(
    handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer
):
    """The handover sheet as an A4 PDF, printed on the server by headless chromium."""
    from app.custody.sheet import sheet_pdf

    ctx = _handover_context(request, session, project, principal, handover_id)
    pdf = sheet_pdf(
        {**ctx, "printed": utcnow(), "request": request, "user": None, "flashes": []}, request_language(request)
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="handover-{ctx["v"].label}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/custody/handovers/{handover_id}/confirm", dependencies=[CsrfChecked])
def handover_confirm(
    handover_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: VendorSide,
    acknowledged: Annotated[list[int], Form()] = [],  # noqa: B006
):
    """The vendor's person confirms the batch and the condition of each fragile or damaged record."""
    handover = listing.get_handover(session, project.id, handover_id)
    try:
        handover_service.confirm_handover(
            session,
            handover,
            user_id=principal.user_id,
            acknowledged=set(acknowledged),
            actor=actor_of(request, principal),
            now=utcnow(),
        )
    except HandoverStateError as exc:
        session.rollback()
        return redirect(f"/custody/handovers/{handover_id}", flash=_refusal(request, exc), kind="error")
    except HandoverRefused as exc:
        session.rollback()
        ctx = _handover_context(request, session, project, principal, handover_id)
        return custody_page(
            request,
            "custody/handover.html",
            {**ctx, "error": _refusal(request, exc), "unconfirmed": {p.code for p in exc.problems}},
            status_code=422,
        )
    return redirect(f"/custody/handovers/{handover_id}", flash=_t(request, "Batch confirmed."))


@router.post("/custody/handovers/{handover_id}/cancel", dependencies=[CsrfChecked])
def handover_cancel(
    handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Custodian
):
    """Withdraw a batch that is still waiting for the vendor's confirmation."""
    handover = listing.get_handover(session, project.id, handover_id)
    try:
        handover_service.cancel_handover(
            session, handover, user_id=principal.user_id, actor=actor_of(request, principal), now=utcnow()
        )
    except HandoverStateError as exc:
        session.rollback()
        return redirect(f"/custody/handovers/{handover_id}", flash=_refusal(request, exc), kind="error")
    return redirect(f"/custody/handovers/{handover_id}", flash=_t(request, "Batch withdrawn."))


# --- settings ----------------------------------------------------------------------------------


@router.get("/custody/settings")
def settings_page(request: Request, session: SessionDep, project: CurrentProject, principal: Custodian):
    """The project's custody rules: capture only of checked-out records, the warning limit in days."""
    return custody_page(
        request,
        "custody/settings.html",
        {"project": project, "policy": policy(session, project.id), "error": None},
    )


@router.post("/custody/settings", dependencies=[CsrfChecked])
def settings_save(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Custodian,
    require_checkout: Annotated[str, Form()] = "",
    overdue_days: Annotated[str, Form()] = "",
):
    """Save the custody rules (audited)."""
    days = typed_int(overdue_days, max_digits=4) or 0
    try:
        save_policy(
            session,
            project.id,
            require_checkout=require_checkout == "on",
            overdue_days=days,
            actor=actor_of(request, principal),
            now=utcnow(),
        )
    except HandoverRefused as exc:
        session.rollback()
        return custody_page(
            request,
            "custody/settings.html",
            {"project": project, "policy": policy(session, project.id), "error": _refusal(request, exc)},
            status_code=422,
        )
    return redirect("/custody/settings", flash=_t(request, "Saved."))


router.include_router(location_router)
