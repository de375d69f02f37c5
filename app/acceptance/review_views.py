"""HTML routes of the review: the next sampled page, a page's verdict, a sampled record's field check, the
decision."""

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.acceptance.deciding import decide_lot, progress
from app.acceptance.exceptions import LotNotFound
from app.acceptance.review import FIELD_COLUMNS, check_record, get_item, judge_item, neighbour_items, next_work
from app.acceptance.screens import item_screen, record_screen
from app.acceptance.service import (
    current_round,
    effective_status,
    get_lot,
)
from app.acceptance.web import Reviewer, actor_of, common_context, failure_page, lot_url, project_today
from app.accounts.dependencies import CsrfChecked
from app.core.clock import utcnow
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.core.typed import TypedInt
from app.frontpage.checks import record_view
from app.frontpage.service import form_values, front_page_of
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.records.segment_label import segment_of_page
from app.records.versions import looked_images, shown_versions

router = APIRouter(include_in_schema=False)


@router.get("/acceptance/lots/{lot_id}/review")
def review_next(request: Request, lot_id: int, principal: Reviewer, session: WriteSessionDep, project: CurrentProject):
    """Go to the reviewer's next task (taking an untaken page), or back to the lot when nothing is left."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    if lot.status != "in_review":
        return redirect(lot_url(lot_id))
    work = next_work(session, rnd, principal.user_id, utcnow())
    if work is None:
        t = translations(request_language(request)).gettext
        done = progress(session, rnd)
        message = (
            t(N_("Every sampled page and record is checked: the decision can be recorded."))
            if done.complete
            else t(N_("The remaining pages are being reviewed by a colleague."))
        )
        return redirect(lot_url(lot_id), flash=message)
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
            **common_context(project),
            "lot": lot,
            "round": rnd,
            "s": screen,
            "versions": shown_versions(session, screen.page.image_id, request.app.state),
            "segment": segment_of_page(session, screen.record, screen.page.page_number),
            "looks": looked_images(session, [image_id for _, _, image_id, _ in screen.neighbours]),
            "prev_id": prev_id,
            "next_id": next_id,
            "progress": progress(session, rnd),
            "open": lot.status == "in_review" and effective_status(lot, project_today(project)) == "in_review",
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
            actor=actor_of(principal, request),
            today=project_today(project),
            now=utcnow(),
        )
    except AppError as exc:
        return failure_page(request, session, exc, f"/acceptance/lots/{lot_id}/items/{item_id}")
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
    fp = front_page_of(session, record_id)
    return render(
        request,
        "acceptance/record.html",
        {
            **common_context(project),
            "lot": lot,
            "round": rnd,
            "s": screen,
            "versions": shown_versions(session, screen.front_page[1], request.app.state) if screen.front_page else None,
            "recorded": form_values(screen.record, fp),
            "has_front_page": fp is not None,
            "ocr_read": record_view(session, screen.record).suggestions,  # information only (issue 18)
            "progress": progress(session, rnd),
            "open": lot.status == "in_review" and effective_status(lot, project_today(project)) == "in_review",
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
    paper_pages: Annotated[TypedInt, Form(ge=0, le=100_000)],
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
            actor=actor_of(principal, request),
            today=project_today(project),
            now=utcnow(),
        )
    except AppError as exc:
        return failure_page(request, session, exc, f"/acceptance/lots/{lot_id}/records/{record_id}")
    return redirect(f"/acceptance/lots/{lot_id}/review")


@router.post("/acceptance/lots/{lot_id}/decision", dependencies=[CsrfChecked])
def decision(request: Request, lot_id: int, principal: Reviewer, session: SessionDep, project: CurrentProject):
    """Record the decision the figures give: accepted, or rejected with a correction period."""
    lot = get_lot(session, project.id, lot_id)
    try:
        rnd = decide_lot(
            session, lot, project, actor=actor_of(principal, request), today=project_today(project), now=utcnow()
        )
    except AppError as exc:
        return failure_page(request, session, exc, lot_url(lot_id))
    t = translations(request_language(request)).gettext
    text = (
        t(N_("Lot accepted."))
        if rnd.decision == "accepted"
        else t(N_("Lot rejected: the correction period has started."))
    )
    return redirect(lot_url(lot_id), flash=text)
