"""HTML routes of custody: handover batches scanned at the records room desk, their sheets, confirmation by the
vendor, the outstanding list, boxes and shelves, the packing scanner, where a record's paper is, the settings."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.custody import labels, service
from app.custody import locations as loc
from app.custody.exceptions import HandoverRefused, LocationError
from app.custody.labels import PROBLEM_LABELS, SCAN_MESSAGES
from app.custody.models import HandoverKind
from app.custody.rules import ScanLine, expand_box_range
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
Custodian = Annotated[WebPrincipal, Depends(require(Perm.manage_custody))]
VendorSide = Annotated[WebPrincipal, Depends(require(Perm.manage_records))]
Packer = Annotated[WebPrincipal, Depends(require(Perm.pack_records))]
Finder = Annotated[WebPrincipal, Depends(require(Perm.view_records, Perm.pack_records))]
Registrar = Annotated[WebPrincipal, Depends(require(Perm.manage_custody, Perm.manage_records))]
KINDS = (HandoverKind.checkout.value, HandoverKind.returned.value)


def _page(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    """Render a custody page with its labels and what the signed-in user may do."""
    principal = getattr(request.state, "user", None)
    role = principal.role if principal else ""
    return render(
        request,
        template,
        {"labels": labels, "can_hand_over": allowed(role, Perm.manage_custody), **context},
        status_code=status_code,
    )


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


@router.get("/custody")
def custody_home(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """What is out of the records room and for how long, with a warning past the project's limit."""
    out = service.outstanding(session, project, now=utcnow())
    return _page(
        request,
        "custody/outstanding.html",
        {
            "project": project,
            "out": out,
            "policy": service.policy(session, project.id),
            "waiting": service.waiting_for(session, project.id, principal.user_id),
            "pending": service.list_handovers(session, project.id, status="pending", limit=50),
        },
    )


@router.get("/custody/handovers")
def handovers(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer, kind: str = ""):
    """The latest check-out and return batches."""
    rows = service.list_handovers(session, project.id, kind=kind if kind in KINDS else None, limit=200)
    return _page(
        request,
        "custody/handovers.html",
        {"project": project, "rows": rows, "kind": kind},
    )


def _new_form(request: Request, session, project, kind: str, **extra):  # noqa: ANN001, ANN202
    context = {
        "project": project,
        "kind": kind,
        "people": service.vendor_people(session, project.id),
        "lines": [],
        "problems": {},
        "error": None,
        "form": {},
        "problem_labels": PROBLEM_LABELS,
        **extra,
    }
    return _page(request, "custody/handover_new.html", context, status_code=422 if extra.get("error") else 200)


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
    count = int(declared_count) if declared_count.strip().isdigit() else None
    form = {"declared_count": declared_count, "counterpart_id": counterpart_id, "note": note}
    try:
        handover = service.create_handover(
            session,
            project,
            kind=kind,
            lines=lines,
            declared_count=count,
            counterpart_id=int(counterpart_id) if counterpart_id.isdigit() else None,
            note=note,
            user_id=principal.user_id,
            actor=_actor(request, principal),
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
            error=exc.detail,
            form=form,
        )
    label = service.handover_label(handover.kind, handover.number)
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
    found = service.lookup(session, project, code[:64], kind if kind in KINDS else "checkout")
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
    handover = service.get_handover(session, project.id, handover_id)
    view = service.handover_view(session, handover)
    return {
        "project": project,
        "v": view,
        "h": handover,
        "can_confirm": handover.status == "pending"
        and principal.user_id == service.counterpart_of(handover)
        and allowed(principal.role, Perm.manage_records),
        "can_cancel": handover.status == "pending" and principal.user_id == handover.created_by,
        "problem_labels": PROBLEM_LABELS,
    }


@router.get("/custody/handovers/{handover_id}")
def handover_page(handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """A batch: its records, who handed over and who received, its confirmation, its sheet."""
    return _page(request, "custody/handover.html", _handover_context(request, session, project, principal, handover_id))


@router.get("/custody/handovers/{handover_id}/sheet")
def handover_sheet(handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """The printable handover sheet with signature lines (print it, or save it as PDF from the print dialog)."""
    ctx = _handover_context(request, session, project, principal, handover_id)
    return _page(request, "custody/sheet.html", {**ctx, "printed": utcnow()})


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
    handover = service.get_handover(session, project.id, handover_id)
    try:
        service.confirm_handover(
            session,
            handover,
            user_id=principal.user_id,
            acknowledged=set(acknowledged),
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except HandoverRefused as exc:
        session.rollback()
        ctx = _handover_context(request, session, project, principal, handover_id)
        return _page(
            request,
            "custody/handover.html",
            {**ctx, "error": exc.detail, "unconfirmed": {p.code for p in exc.problems}},
            status_code=422,
        )
    return redirect(f"/custody/handovers/{handover_id}", flash=_t(request, "Batch confirmed."))


@router.post("/custody/handovers/{handover_id}/cancel", dependencies=[CsrfChecked])
def handover_cancel(
    handover_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Custodian
):
    """Withdraw a batch that is still waiting for the vendor's confirmation."""
    handover = service.get_handover(session, project.id, handover_id)
    service.cancel_handover(
        session, handover, user_id=principal.user_id, actor=_actor(request, principal), now=utcnow()
    )
    return redirect(f"/custody/handovers/{handover_id}", flash=_t(request, "Batch withdrawn."))


# --- boxes, shelves, packing, finding ---------------------------------------------------------


@router.get("/custody/pack")
def pack_page(request: Request, session: SessionDep, project: CurrentProject, principal: Packer, box: str = ""):
    """The packing scanner: scan a box, then its records; scan a shelf to place the box on it."""
    current = service.box_for_code(session, project.id, box) if box else None
    return _page(
        request,
        "custody/pack.html",
        {
            "project": project,
            "box": current,
            "contents": loc.box_contents(session, current) if current else [],
            "outcome": None,
            "messages": SCAN_MESSAGES,
        },
    )


@router.post("/custody/pack", dependencies=[CsrfChecked])
def pack_scan(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Packer,
    code: Annotated[str, Form(max_length=64)] = "",
    box: Annotated[str, Form(max_length=64)] = "",
):
    """One scan on the packing screen (each step is recorded and audited)."""
    outcome = loc.scan(
        session,
        project,
        box_code=box or None,
        code=code,
        user_id=principal.user_id,
        actor=_actor(request, principal),
        now=utcnow(),
    )
    current = outcome.box
    return _page(
        request,
        "custody/pack.html",
        {
            "project": project,
            "box": current,
            "contents": loc.box_contents(session, current) if current else [],
            "outcome": outcome,
            "messages": SCAN_MESSAGES,
        },
        status_code=200 if outcome.ok else 422,
    )


@router.get("/custody/locations")
def locations(request: Request, session: SessionDep, project: CurrentProject, principal: Finder):
    """Shelves and boxes with their barcodes, what each holds, and forms to register new labels."""
    return _locations(request, session, project, principal)


def _locations(request: Request, session, project, principal, error: str | None = None, form: dict | None = None):  # noqa: ANN001, ANN202
    return _page(
        request,
        "custody/locations.html",
        {
            "project": project,
            "shelves": loc.list_shelves(session, project.id),
            "boxes": loc.list_boxes(session, project.id),
            "can_register": allowed(principal.role, Perm.manage_custody)
            or allowed(principal.role, Perm.manage_records),
            "error": error,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.post("/custody/shelves", dependencies=[CsrfChecked])
def shelf_add(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Registrar,
    barcode: Annotated[str, Form(max_length=64)] = "",
    place: Annotated[str, Form(max_length=120)] = "",
):
    """Register a shelf label."""
    try:
        shelf = loc.add_shelf(session, project, barcode=barcode, place=place, actor=_actor(request, principal))
    except LocationError as exc:
        session.rollback()
        return _locations(request, session, project, principal, exc.detail, {"barcode": barcode, "place": place})
    return redirect("/custody/locations", flash=_t(request, "Shelf %(code)s registered.") % {"code": shelf.barcode})


@router.post("/custody/boxes", dependencies=[CsrfChecked])
def boxes_add(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Registrar,
    prefix: Annotated[str, Form(max_length=40)] = "",
    first: Annotated[str, Form()] = "",
    last: Annotated[str, Form()] = "",
    width: Annotated[str, Form()] = "4",
):
    """Register a run of box labels: PREFIX + numbers from first to last, zero-padded."""
    form = {"prefix": prefix, "first": first, "last": last, "width": width}
    try:
        if not (first.isdigit() and last.isdigit() and width.isdigit() and 1 <= int(width) <= 8):
            raise LocationError("give the first and last numbers and a width from 1 to 8")
        codes = expand_box_range(prefix.strip(), int(first), int(last), int(width))
        boxes = loc.add_boxes(session, project, barcodes=codes, actor=_actor(request, principal))
    except (LocationError, ValueError) as exc:
        session.rollback()
        return _locations(request, session, project, principal, getattr(exc, "detail", str(exc)), form)
    return redirect(
        "/custody/locations",
        flash=_t(request, "%(n)s boxes registered: %(first)s to %(last)s.")
        % {"n": len(boxes), "first": boxes[0].barcode, "last": boxes[-1].barcode},
    )


@router.get("/custody/where")
def where(request: Request, session: SessionDep, project: CurrentProject, principal: Finder, q: str = ""):
    """Where a record's paper is: in the records room, out (for how long), in which box on which shelf."""
    found = loc.where_is(session, project, q[:64], now=utcnow()) if q.strip() else []
    # Packers who may not see records (operators) get the place of the paper, not the patient's name.
    show_names = allowed(principal.role, Perm.view_records)
    return _page(
        request,
        "custody/where.html",
        {
            "project": project,
            "q": q,
            "found": found,
            "show_names": show_names,
            "policy": service.policy(session, project.id),
        },
    )


# --- settings ----------------------------------------------------------------------------------


@router.get("/custody/settings")
def settings_page(request: Request, session: SessionDep, project: CurrentProject, principal: Custodian):
    """The project's custody rules: capture only of checked-out records, the warning limit in days."""
    return _page(
        request,
        "custody/settings.html",
        {"project": project, "policy": service.policy(session, project.id), "error": None},
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
    days = int(overdue_days) if overdue_days.strip().isdigit() else 0
    try:
        service.save_policy(
            session,
            project.id,
            require_checkout=require_checkout == "on",
            overdue_days=days,
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except HandoverRefused as exc:
        session.rollback()
        return _page(
            request,
            "custody/settings.html",
            {"project": project, "policy": service.policy(session, project.id), "error": exc.detail},
            status_code=422,
        )
    return redirect("/custody/settings", flash=_t(request, "Saved."))
