"""HTML routes of acceptance: lots, the seed, the review screens, the decision, correction, reports; page images."""

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from app.acceptance import labels
from app.acceptance.exceptions import LotNotFound
from app.acceptance.review import (
    FIELD_COLUMNS,
    check_record,
    decide_lot,
    get_item,
    judge_item,
    neighbour_items,
    next_work,
    progress,
)
from app.acceptance.rules import DEFECT_CODES, THIRD_NAMES
from app.acceptance.screens import check_rows, item_screen, lot_rows, record_screen, report, round_views, sample_rows
from app.acceptance.service import (
    Actor,
    accepted_since,
    application_due,
    apply_for_acceptance,
    candidates,
    current_round,
    effective_status,
    fix_seed,
    get_lot,
    get_round,
    list_lots,
    manifest_lines,
    reapply,
)
from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.projects.models import Project

router = APIRouter(include_in_schema=False)

LotReader = Annotated[WebPrincipal, Depends(require(Perm.manage_lots, Perm.review_samples))]
Manager = Annotated[WebPrincipal, Depends(require(Perm.manage_lots))]
Reviewer = Annotated[WebPrincipal, Depends(require(Perm.review_samples))]
ImageViewer = Annotated[WebPrincipal, Depends(require(Perm.view_images))]


def _today(project: Project) -> date:
    return local_date(utcnow(), project.timezone)


def _actor(principal: WebPrincipal, request: Request) -> Actor:
    return Actor(principal.user_id, principal.role, request.client.host if request.client else None)


def _failure(request: Request, session: Session, exc: AppError, url: str):  # noqa: ANN202
    """Undo what the refused action wrote and go back with the reason, in the user's language."""
    session.rollback()
    t = translations(request_language(request)).gettext
    message = labels.ERROR_MESSAGES.get(exc.code)
    text = t(message) if message else exc.detail
    if exc.code in ("records_not_ready", "bad_verdict"):
        text = f"{text} {exc.detail}"
    return redirect(url, flash=text, kind="error")


def _lot_url(lot_id: int) -> str:
    return f"/acceptance/lots/{lot_id}"


def _common(project: Project) -> dict:
    return {
        "project": project,
        "labels": labels,
        "defect_codes": DEFECT_CODES,
        "field_columns": FIELD_COLUMNS,
        "third_names": THIRD_NAMES,
    }


@router.get("/acceptance")
def lots_page(request: Request, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The project's lots, when the next application is due, and (for the vendor) the application form."""
    today = _today(project)
    due = application_due(session, project)
    ctx = {
        **_common(project),
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
    return render(request, "acceptance/lots.html", ctx)


@router.post("/acceptance/lots", dependencies=[CsrfChecked])
def apply(
    request: Request,
    principal: Manager,
    session: SessionDep,
    project: CurrentProject,
    period_end: Annotated[date | None, Form()] = None,
    kind: Annotated[str, Form(max_length=16)] = "regular",
):
    """Apply for acceptance: freeze a lot of every finished record of the period (or, on termination, all)."""
    today = _today(project)
    try:
        lot = apply_for_acceptance(
            session,
            project,
            period_end=period_end or today,
            kind=kind,
            actor=_actor(principal, request),
            today=today,
            now=utcnow(),
        )
    except AppError as exc:
        return _failure(request, session, exc, "/acceptance")
    t = translations(request_language(request)).gettext
    return redirect(
        _lot_url(lot.id), flash=t(N_("Lot %(n)s is frozen and waits for the hospital's seed.")) % {"n": lot.number}
    )


@router.get("/acceptance/lots/{lot_id}")
def lot_page(request: Request, lot_id: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """A lot: its status and deadlines, its rounds with figures, and the next step for the user's side."""
    today = _today(project)
    lot = get_lot(session, project.id, lot_id)
    rounds = round_views(session, lot)
    current = rounds[0]
    failed = sample_rows(session, current.round, only_failed=True) if current.round.decision == "rejected" else []
    findings = check_rows(session, current.round, only_findings=True) if current.round.decision else []
    return render(
        request,
        "acceptance/lot.html",
        {
            **_common(project),
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
        rnd = fix_seed(session, lot, seed, actor=_actor(principal, request), today=_today(project), now=utcnow())
    except AppError as exc:
        return _failure(request, session, exc, _lot_url(lot_id))
    t = translations(request_language(request)).gettext
    return redirect(_lot_url(lot_id), flash=t(N_("%(n)s pages were drawn.")) % {"n": rnd.sample_size})


@router.get("/acceptance/lots/{lot_id}/review")
def review_next(request: Request, lot_id: int, principal: Reviewer, session: WriteSessionDep, project: CurrentProject):
    """Go to the reviewer's next task (taking an untaken page), or back to the lot when nothing is left."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    if lot.status != "in_review":
        return redirect(_lot_url(lot_id))
    work = next_work(session, rnd, principal.user_id, utcnow())
    if work is None:
        t = translations(request_language(request)).gettext
        done = progress(session, rnd)
        message = (
            t(N_("Every sampled page and record is checked: the decision can be recorded."))
            if done.complete
            else t(N_("The remaining pages are being reviewed by a colleague."))
        )
        return redirect(_lot_url(lot_id), flash=message)
    kind = "items" if work.kind == "item" else "records"
    return redirect(f"/acceptance/lots/{lot_id}/{kind}/{work.id}")


@router.get("/acceptance/lots/{lot_id}/items/{item_id}")
def item_page(
    request: Request, lot_id: int, item_id: int, principal: Reviewer, session: SessionDep, project: CurrentProject
):
    """The review screen: one sampled page, large, with its record, neighbours and the verdict keys."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    item = get_item(session, rnd, item_id)
    screen = item_screen(session, rnd, item)
    prev_id, next_id = neighbour_items(session, rnd, item)
    return render(
        request,
        "acceptance/item.html",
        {
            **_common(project),
            "lot": lot,
            "round": rnd,
            "s": screen,
            "prev_id": prev_id,
            "next_id": next_id,
            "progress": progress(session, rnd),
            "open": lot.status == "in_review" and effective_status(lot, _today(project)) == "in_review",
        },
    )


@router.post("/acceptance/lots/{lot_id}/items/{item_id}", dependencies=[CsrfChecked])
def item_verdict(
    request: Request,
    lot_id: int,
    item_id: int,
    principal: Reviewer,
    session: SessionDep,
    project: CurrentProject,
    verdict: Annotated[str, Form(max_length=8)],
    defects: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
    note: Annotated[str, Form(max_length=1000)] = "",
):
    """Pass or fail a sampled page, then go on to the next task."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    item = get_item(session, rnd, item_id)
    try:
        judge_item(
            session,
            lot,
            rnd,
            item,
            verdict=verdict,
            defects=defects,
            note=note,
            actor=_actor(principal, request),
            today=_today(project),
            now=utcnow(),
        )
    except AppError as exc:
        return _failure(request, session, exc, f"/acceptance/lots/{lot_id}/items/{item_id}")
    return redirect(f"/acceptance/lots/{lot_id}/review")


@router.get("/acceptance/lots/{lot_id}/records/{record_id}")
def record_page(
    request: Request, lot_id: int, record_id: int, principal: Reviewer, session: SessionDep, project: CurrentProject
):
    """A sampled record: its front page beside the paper, the five fields and the page count."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    screen = record_screen(session, rnd, record_id)
    if not screen.sampled_pages:
        raise LotNotFound(f"record {record_id} has no sampled page in lot {lot.number}")
    return render(
        request,
        "acceptance/record.html",
        {
            **_common(project),
            "lot": lot,
            "round": rnd,
            "s": screen,
            "progress": progress(session, rnd),
            "open": lot.status == "in_review" and effective_status(lot, _today(project)) == "in_review",
        },
    )


@router.post("/acceptance/lots/{lot_id}/records/{record_id}", dependencies=[CsrfChecked])
def record_check(
    request: Request,
    lot_id: int,
    record_id: int,
    principal: Reviewer,
    session: SessionDep,
    project: CurrentProject,
    paper_pages: Annotated[int, Form(ge=0, le=100_000)],
    wrong: Annotated[list[str], Form()] = [],  # noqa: B006
    note: Annotated[str, Form(max_length=1000)] = "",
):
    """Save a record's check (fields not marked wrong are right), then go on to the next task."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    try:
        check_record(
            session,
            lot,
            rnd,
            record_id,
            fields_ok={name: name not in wrong for name in FIELD_COLUMNS},
            paper_pages=paper_pages,
            note=note,
            actor=_actor(principal, request),
            today=_today(project),
            now=utcnow(),
        )
    except AppError as exc:
        return _failure(request, session, exc, f"/acceptance/lots/{lot_id}/records/{record_id}")
    return redirect(f"/acceptance/lots/{lot_id}/review")


@router.post("/acceptance/lots/{lot_id}/decision", dependencies=[CsrfChecked])
def decision(request: Request, lot_id: int, principal: Reviewer, session: SessionDep, project: CurrentProject):
    """Record the decision the figures give: accepted, or rejected with a correction period."""
    lot = get_lot(session, project.id, lot_id)
    try:
        rnd = decide_lot(session, lot, project, actor=_actor(principal, request), today=_today(project), now=utcnow())
    except AppError as exc:
        return _failure(request, session, exc, _lot_url(lot_id))
    t = translations(request_language(request)).gettext
    text = (
        t(N_("Lot accepted."))
        if rnd.decision == "accepted"
        else t(N_("Lot rejected: the correction period has started."))
    )
    return redirect(_lot_url(lot_id), flash=text)


@router.post("/acceptance/lots/{lot_id}/reapply", dependencies=[CsrfChecked])
def reapply_lot(request: Request, lot_id: int, principal: Manager, session: SessionDep, project: CurrentProject):
    """After correcting: freeze the corrected lot again for a new review round."""
    lot = get_lot(session, project.id, lot_id)
    try:
        rnd = reapply(session, lot, project, actor=_actor(principal, request), today=_today(project), now=utcnow())
    except AppError as exc:
        return _failure(request, session, exc, _lot_url(lot_id))
    t = translations(request_language(request)).gettext
    return redirect(_lot_url(lot_id), flash=t(N_("Round %(n)s applied for: waiting for the seed.")) % {"n": rnd.number})


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/report")
def report_page(
    request: Request, lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject
):
    """The printable acceptance report of a review round."""
    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    data = report(session, lot, rnd, _today(project))
    return render(request, "acceptance/report.html", {**_common(project), "r": data, "printed": utcnow()})


@router.get("/acceptance/lots/{lot_id}/rounds/{number}/report.pdf")
def report_pdf_file(
    request: Request, lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject
):
    """The acceptance report of a round as an A4 PDF, printed on the server by headless chromium."""
    from app.acceptance.pdf import report_pdf

    lot = get_lot(session, project.id, lot_id)
    rnd = get_round(session, lot, number)
    pdf = report_pdf(session, lot, rnd, project, _today(project), request_language(request))
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
    writer = csv.writer(out)
    writer.writerow(sample_csv_header())
    for row in sample_csv_rows(session, rnd):
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


def sample_csv_rows(session: Session, rnd) -> list[list]:  # noqa: ANN001
    """The rows of the samples CSV."""
    return [
        [
            s.position,
            THIRD_NAMES[s.third],
            s.mrn,
            s.visit,
            s.page_number,
            s.segment or "",
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
