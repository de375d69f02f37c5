"""HTML routes of the vendor's QC: the inspection queue and screen, re-shoot tasks, rates, paper to fetch."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.acceptance.labels import defect_label
from app.acceptance.rules import DEFECT_CODES
from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import DbId, SessionDep, WriteSessionDep
from app.core.errors import AppError
from app.core.i18n import coded_error, translations
from app.core.templates import redirect, render, request_language
from app.inspection import labels
from app.inspection.looks import count_looks
from app.inspection.rates import rate_rows, set_rate
from app.inspection.repeats import finished_with_repeats, record_repeats
from app.inspection.screens import item_screen, progress_by_day, progress_by_operator, queue_counts
from app.inspection.service import flag_page, get_item, judge, next_item
from app.inspection.sources import DIMENSIONS, sources_csv, sources_report
from app.inspection.tasks import cancel_task, get_task, operators_of, paper_needed, project_tasks
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.projects.models import Project
from app.records.versions import looked_images, shown_versions

router = APIRouter(include_in_schema=False)

Inspector = Annotated[WebPrincipal, Depends(require(Perm.flag_reshoot))]
QCReader = Annotated[WebPrincipal, Depends(require(Perm.flag_reshoot, Perm.set_inspection_rates))]
RateSetter = Annotated[WebPrincipal, Depends(require(Perm.set_inspection_rates))]
ImageViewer = Annotated[WebPrincipal, Depends(require(Perm.view_images))]
SourcesReader = Annotated[WebPrincipal, Depends(require(Perm.view_production, Perm.view_own_production))]
PaperReader = Annotated[WebPrincipal, Depends(require(Perm.manage_custody, Perm.flag_reshoot))]


def _today(project: Project) -> date:
    return local_date(utcnow(), project.timezone)


def _actor(principal: WebPrincipal, request: Request) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


def _common(project: Project) -> dict:
    return {"project": project, "labels": labels, "labels_defect": defect_label}


def _failure(request: Request, session: Session, exc: AppError, url: str):  # noqa: ANN202
    """Undo what the refused action wrote and go back with the reason in the user's language."""
    session.rollback()
    t = translations(request_language(request)).gettext
    text = coded_error(t, labels.ERROR_MESSAGES, exc.code, exc.detail, getattr(exc, "params", {}))
    return redirect(url, flash=text, kind="error")


@router.get("/inspection")
def overview(request: Request, principal: QCReader, session: SessionDep, project: CurrentProject):
    """The queue's size, progress per day and per operator, and where to start."""
    today = _today(project)
    return render(
        request,
        "inspection/overview.html",
        {
            "project": project,
            "counts": queue_counts(session, project.id),
            "looks": count_looks(session, project.id),
            "by_day": progress_by_day(session, project.id, today),
            "by_operator": progress_by_operator(session, project.id, today - timedelta(days=29), today),
            "can_inspect": allowed(principal.role, Perm.flag_reshoot),
            "can_set_rates": allowed(principal.role, Perm.set_inspection_rates),
        },
    )


@router.get("/inspection/next")
def take_next(request: Request, principal: Inspector, session: WriteSessionDep, project: CurrentProject):
    """Take the next page of the queue (never one a colleague holds) and open it, or go back when it is empty."""
    item = next_item(session, project.id, principal.user_id, utcnow())
    if item is None:
        t = translations(request_language(request)).gettext
        return redirect("/inspection", flash=t(N_("No page is waiting for inspection.")))
    return redirect(f"/inspection/items/{item.id}")


@router.get("/inspection/items/{item_id}")
def item_page(
    request: Request,
    item_id: DbId,
    principal: Inspector,
    session: SessionDep,
    project: CurrentProject,
    back: Annotated[str, Query(pattern="^(looks)?$")] = "",
):
    """The inspection screen: the page large, its record's captured and declared page counts, the verdict keys."""
    item = get_item(session, project.id, item_id)
    return render(
        request,
        "inspection/item.html",
        {
            **_common(project),
            "s": item_screen(session, item),
            "versions": shown_versions(session, item.image_id, request.app.state),
            "defect_codes": DEFECT_CODES,
            "mine": item.inspector_id in (None, principal.user_id),
            "back": back,
        },
    )


@router.post("/inspection/items/{item_id}", dependencies=[CsrfChecked])
def item_verdict(
    request: Request,
    item_id: DbId,
    principal: Inspector,
    session: SessionDep,
    project: CurrentProject,
    verdict: Annotated[str, Form(max_length=8)],
    defects: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
    note: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(pattern="^(looks)?$")] = "",
):
    """Pass the page, or flag it with one defect and a note (a re-shoot task); then the next page (back=looks:
    the list of pages that need a look, where the page was opened)."""
    item = get_item(session, project.id, item_id)
    if verdict == "fail":  # the keyboard's F key of the shared review script
        verdict = "flag"
    try:
        judge(
            session,
            project,
            item,
            verdict=verdict,
            defect=defects[0] if len(defects) == 1 else ("" if verdict == "flag" else None),
            note=note,
            user_id=principal.user_id,
            actor=_actor(principal, request),
            now=utcnow(),
        )
    except AppError as exc:
        return _failure(request, session, exc, f"/inspection/items/{item_id}" + ("?back=looks" if back else ""))
    return redirect("/inspection/looks" if back == "looks" else "/inspection/next")


@router.get("/inspection/tasks")
def tasks_page(
    request: Request, principal: QCReader, session: SessionDep, project: CurrentProject, status: str = "open"
):
    """Re-shoot tasks of the project: open ones (default), re-shot or withdrawn ones."""
    status = status if status in labels.TASK_STATUS_LABELS else "open"
    return render(
        request,
        "inspection/tasks.html",
        {
            **_common(project),
            "status": status,
            "tasks": project_tasks(session, project.id, status=status),
            "can_cancel": allowed(principal.role, Perm.flag_reshoot),
        },
    )


@router.post("/inspection/tasks/{task_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, task_id: DbId, principal: Inspector, session: SessionDep, project: CurrentProject):
    """Withdraw an open re-shoot task that was flagged by mistake."""
    task = get_task(session, project.id, task_id)
    try:
        cancel_task(session, task, user_id=principal.user_id, actor=_actor(principal, request), now=utcnow())
    except AppError as exc:
        return _failure(request, session, exc, "/inspection/tasks")
    t = translations(request_language(request)).gettext
    return redirect("/inspection/tasks", flash=t(N_("The task was withdrawn.")))


@router.get("/inspection/rates")
def rates_page(request: Request, principal: RateSetter, session: SessionDep, project: CurrentProject):
    """The inspection rate schedule: the project default and each operator's steps."""
    return render(
        request,
        "inspection/rates.html",
        {
            "project": project,
            "rows": rate_rows(session, project.id),
            "operators": operators_of(session, project.id),
            "today": _today(project),
        },
    )


@router.post("/inspection/rates", dependencies=[CsrfChecked])
def rates_save(
    request: Request,
    principal: RateSetter,
    session: SessionDep,
    project: CurrentProject,
    percent: Annotated[str, Form(max_length=12)],
    from_date: Annotated[date, Form()],
    operator_id: Annotated[str, Form(max_length=12)] = "",
):
    """Set a step of the schedule: from a day on, this share of an operator's (or everyone's) pages."""
    try:
        who = int(operator_id) if operator_id.strip() else None
        set_rate(
            session,
            project,
            operator_id=who,
            percent=percent,
            from_date=from_date,
            user_id=principal.user_id,
            actor=_actor(principal, request),
            now=utcnow(),
        )
    except ValueError:
        return _failure(request, session, AppError("bad operator", code="operator_not_found"), "/inspection/rates")
    except AppError as exc:
        return _failure(request, session, exc, "/inspection/rates")
    t = translations(request_language(request)).gettext
    return redirect("/inspection/rates", flash=t(N_("The rate was saved.")))


@router.get("/inspection/paper")
def paper_page(request: Request, principal: PaperReader, session: SessionDep, project: CurrentProject):
    """Records with open re-shoot tasks and where their paper is: back in the records room means a check-out."""
    return render(request, "inspection/paper.html", {"project": project, "rows": paper_needed(session, project.id)})


@router.get("/inspection/repeats")
def repeats_page(request: Request, principal: ImageViewer, session: SessionDep, project: CurrentProject):
    """Finished records, not yet in a lot, with suspected repeated pages."""
    return render(
        request, "inspection/repeats.html", {**_common(project), "found": finished_with_repeats(session, project.id)}
    )


@router.get("/inspection/records/{record_id}/repeats")
def record_repeats_page(
    request: Request, record_id: DbId, principal: ImageViewer, session: SessionDep, project: CurrentProject
):
    """A record's suspected repeats with both images side by side; an inspector can flag the later page."""
    from app.records.service import get_record

    record = get_record(session, project.id, record_id)
    repeats = record_repeats(session, record)
    return render(
        request,
        "inspection/record_repeats.html",
        {
            **_common(project),
            "record": record,
            "repeats": repeats,
            "looks": looked_images(session, [p.image_id for r in repeats for p in (r.earlier, r.later)]),
            "can_flag": allowed(principal.role, Perm.flag_reshoot),
        },
    )


@router.post("/inspection/pages/{page_id}/flag", dependencies=[CsrfChecked])
def flag_page_form(
    request: Request,
    page_id: DbId,
    principal: Inspector,
    session: SessionDep,
    project: CurrentProject,
    image_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    defect: Annotated[str, Form(max_length=32)] = "extra_page",
    note: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=200, pattern=r"^/inspection/[a-z0-9/]*$")] = "/inspection",
):
    """Flag a page (its current image) for re-shooting from outside the queue, e.g. a suspected repeat."""
    try:
        flag_page(
            session,
            project,
            page_id,
            image_id,
            defect=defect,
            note=note,
            user_id=principal.user_id,
            actor=_actor(principal, request),
            now=utcnow(),
        )
    except AppError as exc:
        if exc.status == 404:
            raise
        return _failure(request, session, exc, back)
    t = translations(request_language(request)).gettext
    return redirect(back, flash=t(N_("The page was flagged for re-shooting.")))


def _sources(session: Session, project: Project, principal: WebPrincipal, start: str, end: str, by: str):  # noqa: ANN202
    """The defects-by-source report the user may see: an operator his own line only; bad dates fall back."""
    today = _today(project)
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(weeks=12) + timedelta(days=1)
    except ValueError:
        first, last = today - timedelta(weeks=12) + timedelta(days=1), today
    if last < first:
        first, last = last, first
    first = max(first, last - timedelta(days=3 * 366))
    own = not allowed(principal.role, Perm.view_production)
    return sources_report(
        session,
        project.id,
        project.timezone,
        first,
        last,
        dimension="operator" if own or by not in DIMENSIONS else by,
        only_user_id=principal.user_id if own else None,
    )


@router.get("/production/defects")
def defects_page(
    request: Request,
    principal: SourcesReader,
    session: SessionDep,
    project: CurrentProject,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    by: Annotated[str, Query(max_length=10)] = "operator",
):
    """Defects traced to their source: per operator or station, pages, first-pass yield, re-shoots, flags, trend."""
    report = _sources(session, project, principal, start, end, by)
    return render(
        request,
        "inspection/defects.html",
        {
            **_common(project),
            "r": report,
            "codes": DEFECT_CODES,
            "own": not allowed(principal.role, Perm.view_production),
        },
    )


@router.get("/production/defects.csv")
def defects_csv(
    request: Request,
    principal: SourcesReader,
    session: SessionDep,
    project: CurrentProject,
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    by: Annotated[str, Query(max_length=10)] = "operator",
):
    """The same figures as CSV (UTF-8 with BOM)."""
    report = _sources(session, project, principal, start, end, by)
    name = f"defects-{report.dimension}-{report.first.isoformat()}-{report.last.isoformat()}.csv"
    return Response(
        sources_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
