"""HTML routes of custody's boxes and shelves: the packing scanner, the locations page, adding shelves and boxes,
where a record's paper is."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.accounts.dependencies import CsrfChecked
from app.accounts.permissions import Perm, allowed
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.i18n import gettext_for
from app.core.templates import redirect, request_language
from app.core.typed import typed_int, typed_text
from app.custody import locations as loc
from app.custody import scans
from app.custody.exceptions import LocationError
from app.custody.labels import SCAN_MESSAGES, location_message, scan_values
from app.custody.policy import policy
from app.custody.rules import expand_box_range
from app.custody.web import Finder, Packer, Registrar, _t, actor_of, custody_page
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)

# --- boxes, shelves, packing, finding ---------------------------------------------------------


@router.get("/custody/pack")
def pack_page(request: Request, session: SessionDep, project: CurrentProject, principal: Packer, box: str = ""):
    """The packing scanner: scan a box, then its records; scan a shelf to place the box on it."""
    current = scans.box_for_code(session, project.id, box) if box else None
    return custody_page(
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
        actor=actor_of(request, principal),
        now=utcnow(),
    )
    current = outcome.box
    outcome = replace(outcome, values=scan_values(outcome, gettext_for(request_language(request))))
    return custody_page(
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
    return custody_page(
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
        shelf = loc.add_shelf(session, project, barcode=barcode, place=place, actor=actor_of(request, principal))
    except LocationError as exc:
        session.rollback()
        error = location_message(gettext_for(request_language(request)), exc)
        return _locations(request, session, project, principal, error, {"barcode": barcode, "place": place})
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
        numbers = typed_int(first), typed_int(last), typed_int(width, max_digits=1)
        if None in numbers or not 1 <= numbers[2] <= 8:  # type: ignore[operator]
            raise LocationError("give the first and last numbers and a width from 1 to 8", code="bad_box_range")
        try:
            codes = expand_box_range(typed_text(prefix), *numbers)  # type: ignore[arg-type]
        except ValueError as exc:
            raise LocationError(str(exc), code="box_range") from exc
        boxes = loc.add_boxes(session, project, barcodes=codes, actor=actor_of(request, principal))
    except LocationError as exc:
        session.rollback()
        error = location_message(gettext_for(request_language(request)), exc)
        return _locations(request, session, project, principal, error, form)
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
    return custody_page(
        request,
        "custody/where.html",
        {
            "project": project,
            "q": q,
            "found": found,
            "show_names": show_names,
            "policy": policy(session, project.id),
        },
    )
