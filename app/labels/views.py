"""HTML routes of label printing: choose what to label, print sheets (browser or PDF), a record's routing slip."""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import select

from app.accounts.dependencies import require
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import DbId, DbIdQuery, SessionDep
from app.core.errors import AppError
from app.core.templates import APP_DIR, environment, render, request_language
from app.custody.models import Handover
from app.custody.rules import handover_label
from app.labels import service
from app.labels.exceptions import LabelPdfUnavailable
from app.labels.rules import LAYOUTS, part_size
from app.projects.dependencies import CurrentProject
from app.projects.models import Project
from app.records.service import get_record

router = APIRouter(include_in_schema=False)

Registrar = Annotated[WebPrincipal, Depends(require(Perm.manage_custody, Perm.manage_records))]
Kind = Literal["records", "boxes", "shelves"]
Source = Literal["handover", "no_barcode", "all"]
LayoutKey = Literal["a4_3x8", "a4_2x7", "roll_60x40"]
Symbology = Literal["code128", "qr"]
HandoverId = DbIdQuery
Part = Annotated[int, Query(ge=1, le=1_000_000)]


def _batches(session: SessionDep, project_id: int) -> list[tuple[int, str]]:
    rows = session.exec(
        select(Handover).where(Handover.project_id == project_id).order_by(Handover.id.desc()).limit(200)  # type: ignore[union-attr]
    )
    return [(h.id, handover_label(h.kind, h.number)) for h in rows]


@router.get("/labels")
def labels_home(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Registrar,
    kind: Kind = "records",
    source: Source = "no_barcode",
    handover: HandoverId = None,
    layout: LayoutKey = "a4_3x8",
    symbology: Symbology = "code128",
):
    """Choose what to label (a handover batch's records, records without a barcode, boxes, shelves) and print."""
    sel = service.Selection(kind, source, handover)
    problem, total = None, 0
    try:
        total = service.count_labels(session, project.id, sel)
    except AppError as exc:
        problem = exc.code
    chosen = LAYOUTS[layout]
    size = part_size(chosen)
    parts = [(i + 1, i * size + 1, min(total, (i + 1) * size)) for i in range((total + size - 1) // size)]
    return render(
        request,
        "labels/index.html",
        {
            "kind": kind,
            "source": source,
            "handover": handover,
            "layout": layout,
            "symbology": symbology,
            "layouts": LAYOUTS,
            "batches": _batches(session, project.id),
            "total": total,
            "parts": parts,
            "problem": problem,
        },
    )


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


@dataclass(frozen=True)
class SheetQuery:
    """The query of a label sheet: what to label, on which stock, with which symbol, which part."""

    kind: Kind = "records"
    source: Source = "no_barcode"
    handover: HandoverId = None
    layout: LayoutKey = "a4_3x8"
    symbology: Symbology = "code128"
    part: Part = 1


Sheet = Annotated[SheetQuery, Depends()]


def _sheet_context(session: SessionDep, project: Project, q: SheetQuery) -> dict:
    chosen = LAYOUTS[q.layout]
    sel = service.Selection(q.kind, q.source, q.handover)
    labels, count = service.labels_part(session, project, sel, chosen, q.symbology, q.part)
    sheets = [labels[i : i + chosen.per_page] for i in range(0, len(labels), chosen.per_page)]
    return {
        "sheets": sheets,
        "layout": chosen,
        "part": q.part,
        "parts": count,
        "kind": q.kind,
        "symbology": q.symbology,
        "project": project,
    }


@router.get("/labels/print")
def labels_print(request: Request, session: SessionDep, project: CurrentProject, principal: Registrar, q: Sheet):
    """One part of a label selection as sheets to print from the browser (one page a sheet, sized in mm)."""
    return render(request, "labels/sheet.html", {**_sheet_context(session, project, q), "standalone": False})


@router.get("/labels/print.pdf")
def labels_pdf(request: Request, session: SessionDep, project: CurrentProject, principal: Registrar, q: Sheet):
    """One part of a label selection as a PDF printed on the server by headless chromium."""
    ctx = {**_sheet_context(session, project, q), "request": request, "user": None}
    html = _standalone("labels/sheet.html", ctx, request_language(request))
    return _pdf(html, f"labels-{project.code}-{q.kind}-{q.part}.pdf")


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
