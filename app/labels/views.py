"""HTML routes of label printing: choose what to label, print sheets (browser or PDF), a record's routing slip."""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import select

from app.accounts.dependencies import require
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import DbId, SessionDep
from app.core.errors import AppError
from app.core.templates import APP_DIR, environment, render, request_language
from app.custody.models import Handover
from app.custody.rules import handover_label
from app.labels import service
from app.labels.exceptions import BadLabelRequest, LabelPdfUnavailable
from app.labels.rules import LAYOUTS, SYMBOLOGIES, part_size
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.projects.models import Project
from app.records.service import get_record

router = APIRouter(include_in_schema=False)

Registrar = Annotated[WebPrincipal, Depends(require(Perm.manage_custody, Perm.manage_records))]
# Query values stay strings here: a wrong one is answered with the labels page and a translated message
# (SheetQuery.parse), never with the framework's JSON error.
Text = Annotated[str, Query()]
PROBLEMS = {
    "bad_label_request": N_("Choose what to label, the label stock and the symbol from the lists."),
    "handover_required": N_("Choose the handover batch whose records to label."),
    "no_such_label_part": N_("That part does not exist: choose one from the list below."),
    "nothing_to_print": N_("Nothing to label in this selection."),
}


def _batches(session: SessionDep, project_id: int) -> list[tuple[int, str]]:
    rows = session.exec(
        select(Handover).where(Handover.project_id == project_id).order_by(Handover.id.desc()).limit(200)  # type: ignore[union-attr]
    )
    return [(h.id, handover_label(h.kind, h.number)) for h in rows]


@dataclass(frozen=True)
class SheetQuery:
    """The query of the labels pages, as typed: what to label, on which stock, with which symbol, which part."""

    kind: Text = "records"
    source: Text = "no_barcode"
    handover: Text = ""
    layout: Text = "a4_3x8"
    symbology: Text = "code128"
    part: Text = "1"

    def parse(self) -> tuple[service.Selection, str, str, int]:
        """(selection, layout key, symbology, part), or BadLabelRequest for any value not offered by the form."""
        handover = int(self.handover) if self.handover.isdigit() and len(self.handover) < 10 else None
        if self.handover and handover is None:
            raise BadLabelRequest("handover must be a batch number")
        if self.layout not in LAYOUTS or self.symbology not in SYMBOLOGIES:
            raise BadLabelRequest("unknown label stock or symbol")
        if not (self.part.isdigit() and len(self.part) < 8 and int(self.part) >= 1):
            raise BadLabelRequest("part must be a number from 1")
        sel = service.Selection(self.kind, self.source, handover)
        sel.check()
        return sel, self.layout, self.symbology, int(self.part)


Sheet = Annotated[SheetQuery, Depends()]


def _index(request: Request, session: SessionDep, project: Project, q: SheetQuery, problem: str | None = None):
    total, parts = 0, []
    try:
        sel, layout, _, _ = q.parse()
        total = service.count_labels(session, project.id, sel)
        size = part_size(LAYOUTS[layout])
        parts = [(i + 1, i * size + 1, min(total, (i + 1) * size)) for i in range((total + size - 1) // size)]
    except AppError as exc:
        problem = problem or exc.code
    if problem is None and total == 0:
        problem = "nothing_to_print"
    handover = q.handover if q.handover.isdigit() else ""
    return render(
        request,
        "labels/index.html",
        {
            "kind": q.kind,
            "source": q.source,
            "handover": int(handover) if handover else None,
            "layout": q.layout if q.layout in LAYOUTS else "a4_3x8",
            "symbology": q.symbology,
            "batches": _batches(session, project.id),
            "total": total,
            "parts": parts,
            "problem": PROBLEMS.get(problem or "", PROBLEMS["bad_label_request"]) if problem else None,
        },
        status_code=422 if problem and problem != "nothing_to_print" else 200,
    )


@router.get("/labels")
def labels_home(request: Request, session: SessionDep, project: CurrentProject, principal: Registrar, q: Sheet):
    """Choose what to label (a handover batch's records, records without a barcode, boxes, shelves) and print."""
    return _index(request, session, project, q)


def _sheet_context(session: SessionDep, project: Project, q: SheetQuery) -> dict:
    sel, layout_key, symbology, part = q.parse()
    chosen = LAYOUTS[layout_key]
    labels, count = service.labels_part(session, project, sel, chosen, symbology, part)
    sheets = [labels[i : i + chosen.per_page] for i in range(0, len(labels), chosen.per_page)]
    return {
        "sheets": sheets,
        "layout": chosen,
        "part": part,
        "parts": count,
        "kind": q.kind,
        "symbology": symbology,
        "project": project,
    }


@router.get("/labels/print")
def labels_print(request: Request, session: SessionDep, project: CurrentProject, principal: Registrar, q: Sheet):
    """One part of a label selection as sheets to print from the browser (one page a sheet, sized in mm)."""
    try:
        ctx = _sheet_context(session, project, q)
    except AppError as exc:
        return _index(request, session, project, q, exc.code)
    return render(request, "labels/sheet.html", {**ctx, "standalone": False})


@router.get("/labels/print.pdf")
def labels_pdf(request: Request, session: SessionDep, project: CurrentProject, principal: Registrar, q: Sheet):
    """One part of a label selection as a PDF printed on the server by headless chromium."""
    try:
        ctx = {**_sheet_context(session, project, q), "request": request, "user": None}
    except AppError as exc:
        return _index(request, session, project, q, exc.code)
    html = _standalone("labels/sheet.html", ctx, request_language(request))
    return _pdf(html, f"labels-{project.code}-{q.kind}-{ctx['part']}.pdf")


def _standalone(template: str, context: dict, language: str) -> str:
    """A printable page with its stylesheets inlined, for chromium to print without the server."""
    html = environment(language).get_template(template).render({**context, "standalone": True, "lang": language})
    for sheet in ("folio.css", "labels.css"):
        css = (APP_DIR / "static" / sheet).read_text(encoding="utf-8")
        html = html.replace(f'<link rel="stylesheet" href="/static/{sheet}">', f"<style>{css}</style>", 1)
    return html


def _pdf(html: str, filename: str) -> Response:
    from app.core.pdf import PdfUnavailable, html_to_pdf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "labels.pdf"
        try:
            html_to_pdf(html, out, css_page_size=True)
        except PdfUnavailable as exc:
            raise LabelPdfUnavailable(f"{exc}: print from the browser instead") from exc
        data = out.read_bytes()
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


def _slip_context(session, project, record_id: int) -> dict:  # noqa: ANN001
    record = get_record(session, project.id, record_id)
    return {"slip": service.routing_slip(session, project, record), "printed": utcnow()}


@router.get("/records/{record_id}/slip")
def routing_slip(record_id: DbId, request: Request, session: SessionDep, project: CurrentProject, principal: Registrar):
    """The record's routing slip (流转单) to print and put with the paper."""
    ctx = {**_slip_context(session, project, record_id), "standalone": False, "project": project}
    return render(request, "labels/slip.html", ctx)


@router.get("/records/{record_id}/slip.pdf")
def routing_slip_pdf(
    record_id: DbId, request: Request, session: SessionDep, project: CurrentProject, principal: Registrar
):
    """The routing slip as an A4 PDF printed on the server."""
    ctx = {**_slip_context(session, project, record_id), "request": request, "user": None, "project": project}
    html = _standalone("labels/slip.html", ctx, request_language(request))
    return _pdf(html, f"slip-{ctx['slip'].code}.pdf")
