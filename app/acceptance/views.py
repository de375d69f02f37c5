"""HTML routes of acceptance: lots, the seed, re-applying after correction, reports, samples and manifests.

The review screens and the decision are in `app.acceptance.review_views` (included here)."""

import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BeforeValidator
from sqlmodel import Session, select

from app.acceptance.applying import apply_for_acceptance, reapply
from app.acceptance.held_back import front_page_check, held_back_records, without_front_page
from app.acceptance.labels import defect_label
from app.acceptance.models import SampleItem
from app.acceptance.review_views import router as review_router
from app.acceptance.rules import THIRD_NAMES
from app.acceptance.screens import check_rows, lot_rows, report, round_views, sample_rows
from app.acceptance.seeding import fix_seed, manifest_lines
from app.acceptance.service import (
    accepted_since,
    application_due,
    candidates,
    effective_status,
    get_lot,
    get_round,
    list_lots,
)
from app.acceptance.web import (
    LotReader,
    Manager,
    Reviewer,
    actor_of,
    common_context,
    failure_page,
    lot_url,
    project_today,
)
from app.accounts.dependencies import CsrfChecked
from app.accounts.permissions import Perm, allowed
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.exports import csv_writer
from app.core.i18n import gettext_for, translations
from app.core.templates import redirect, render, request_language
from app.core.typed import typed_value
from app.inspection.tasks import held_back_records as task_held_back_records
from app.inspection.tasks import held_back_text, lot_application_notes
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.records.segment_label import segment_words, segments_of_pages

router = APIRouter(include_in_schema=False)


@router.get("/acceptance")
def lots_page(request: Request, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The project's lots, when the next application is due, and (for the vendor) the application form."""
    today = project_today(project)
    due = application_due(session, project)
    ctx = {
        **common_context(project),
        "today": today,
        "rows": lot_rows(list_lots(session, project.id), today),
        "due": due,
        "due_now": today >= due,
        "work_done": today >= project.end_date,
        "can_apply": allowed(principal.role, Perm.manage_lots),
    }
    if ctx["can_apply"]:
        ctx["preview_all"] = candidates(session, project, None, today=today)
        ctx["preview"] = ctx["preview_all"] if due >= today else candidates(session, project, due, today=today)
        ctx.update(lot_application_notes(session, project.id), labels_defect=defect_label)  # vendor QC
        ctx["held_back_total"], ctx["held_back"] = held_back_records(session, project, limit=50)
        ctx["without_front_page"] = without_front_page(session, project)  # of everything a lot may take now
        ctx["fp_lot"] = front_page_check(session, project)  # front-page OCR check (issue 18)
    return render(request, "acceptance/lots.html", ctx)


@router.post("/acceptance/lots", dependencies=[CsrfChecked])
def apply(
    request: Request,
    principal: Manager,
    session: SessionDep,
    project: CurrentProject,
    period_end: Annotated[date | None, BeforeValidator(typed_value), Form()] = None,
    kind: Annotated[str, Form(max_length=16)] = "regular",
):
    """Apply for acceptance: freeze a lot of every finished record of the period (or, on termination, all)."""
    today = project_today(project)
    try:
        lot = apply_for_acceptance(
            session,
            project,
            period_end=period_end or today,
            kind=kind,
            actor=actor_of(principal, request),
            today=today,
            now=utcnow(),
        )
    except AppError as exc:
        return failure_page(request, session, exc, "/acceptance")
    t = translations(request_language(request)).gettext
    frozen = t(N_("Lot %(n)s is frozen and waits for the hospital's seed.")) % {"n": lot.number}
    held = held_back_text(task_held_back_records(session, project.id), t, defect_label)  # vendor QC (issue 15)
    return redirect(lot_url(lot.id), flash=f"{frozen} {held}".strip())


@router.get("/acceptance/lots/{lot_id}")
def lot_page(request: Request, lot_id: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """A lot: its status and deadlines, its rounds with figures, and the next step for the user's side."""
    today = project_today(project)
    lot = get_lot(session, project.id, lot_id)
    rounds = round_views(session, lot)
    current = rounds[0]
    failed = sample_rows(session, current.round, only_failed=True) if current.round.decision == "rejected" else []
    findings = check_rows(session, current.round, only_findings=True) if current.round.decision else []
    return render(
        request,
        "acceptance/lot.html",
        {
            **common_context(project),
            "lot": lot,
            "status": effective_status(lot, today),
            "accepted_since": accepted_since(lot, today),
            "rounds": rounds,
            "current": current,
            "failed": failed,
            "findings": findings,
            "today": today,
            "is_reviewer": allowed(principal.role, Perm.review_samples),
            "is_manager": allowed(principal.role, Perm.manage_lots),
            "suggested_seed": _suggested_seed(),
            "fp_lot": front_page_check(session, project, lot.id),
        },
    )


def _suggested_seed() -> str:
    import secrets

    return "-".join(f"{secrets.randbelow(1000):03d}" for _ in range(4))


@router.post("/acceptance/lots/{lot_id}/seed", dependencies=[CsrfChecked])
def seed(
    request: Request,
    lot_id: int,
    principal: Reviewer,
    session: SessionDep,
    project: CurrentProject,
    seed: Annotated[str, Form(max_length=400)],
):
    """The hospital fixes the seed; the sample is drawn from it and the frozen manifest's hash."""
    lot = get_lot(session, project.id, lot_id)
    try:
        rnd = fix_seed(
            session, lot, seed, actor=actor_of(principal, request), today=project_today(project), now=utcnow()
        )
    except AppError as exc:
        return failure_page(request, session, exc, lot_url(lot_id))
    t = translations(request_language(request)).gettext
    return redirect(lot_url(lot_id), flash=t(N_("%(n)s pages were drawn.")) % {"n": rnd.sample_size})


@router.post("/acceptance/lots/{lot_id}/reapply", dependencies=[CsrfChecked])
def reapply_lot(request: Request, lot_id: int, principal: Manager, session: SessionDep, project: CurrentProject):
    """After correcting: freeze the corrected lot again for a new review round."""
    lot = get_lot(session, project.id, lot_id)
    try:
        rnd = reapply(
            session, lot, project, actor=actor_of(principal, request), today=project_today(project), now=utcnow()
        )
    except AppError as exc:
        return failure_page(request, session, exc, lot_url(lot_id))
    t = translations(request_language(request)).gettext
    return redirect(lot_url(lot_id), flash=t(N_("Round %(n)s applied for: waiting for the seed.")) % {"n": rnd.number})


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/report")
def report_page(
    request: Request, lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject
):
    """The printable acceptance report of a review round."""
    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    data = report(session, lot, rnd, project_today(project))
    return render(request, "acceptance/report.html", {**common_context(project), "r": data, "printed": utcnow()})


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/report.pdf")
def report_pdf_file(
    request: Request, lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject
):
    """The acceptance report of a round as an A4 PDF, printed on the server by headless chromium."""
    from app.acceptance.pdf import report_pdf

    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    pdf = report_pdf(session, lot, rnd, project, project_today(project), request_language(request))
    name = f"{project.code}-lot{lot.number}-round{rnd.number}-report.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/samples.csv")
def samples_csv(
    request: Request, lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject
):
    """The sampled pages of a round and their verdicts, as CSV (UTF-8 with BOM, for spreadsheet programs)."""
    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)  # reviewers' notes are text, never formulas
    writer.writerow(sample_csv_header())
    for row in sample_csv_rows(session, rnd, project.id, gettext_for(request_language(request))):
        writer.writerow(row)
    name = f"{project.code}-lot{lot.number}-round{rnd.number}-samples.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def sample_csv_header() -> list[str]:
    """The columns of the samples CSV."""
    return [
        "position",
        "third",
        "mrn",
        "visit",
        "page_number",
        "segment",
        "page_id",
        "image_id",
        "verdict",
        "defects",
        "note",
        "reviewer",
    ]


def sample_csv_rows(session: Session, rnd, project_id: int, gettext) -> list[list]:  # noqa: ANN001
    """The rows of the samples CSV. The segment is what the review screen shows (the inherited segment,
    "02_入院记录"), not the page's raw mark; a page without one says why in the reader's language (gettext)."""
    sampled = select(SampleItem.record_id).where(SampleItem.round_id == rnd.id)
    shown = segments_of_pages(session, project_id, sampled)
    return [
        [
            s.position,
            THIRD_NAMES[s.third],
            s.mrn,
            s.visit,
            s.page_number,
            segment_words(shown.get((s.record_id, s.page_number)), gettext),
            s.page_id,
            s.image_id,
            s.verdict or "",
            " ".join(s.defects),
            s.note or "",
            s.reviewer or "",
        ]
        for s in sample_rows(session, rnd)
    ]


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/manifest.txt")
def manifest(lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The round's frozen manifest, one "page_id,sha256" line per page in capture order: its SHA-256 is the hash."""
    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    lines = list(manifest_lines(session, rnd))
    name = f"{project.code}-lot{lot.number}-round{rnd.number}-manifest.txt"
    return StreamingResponse(
        iter(lines),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


router.include_router(review_router)
