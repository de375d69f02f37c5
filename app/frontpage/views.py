"""HTML routes of front-page data: coverage, importing the hospital's export (mapping, check, all-or-nothing
import with every refused row explained), and entering or correcting a record's fields by hand."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.core.typed import Typed, typed_text
from app.frontpage import service
from app.frontpage.exceptions import BadFile, FileTooLarge, ImportRefused
from app.frontpage.reading import front_page_view
from app.frontpage.refusals import file_refusal
from app.frontpage.rules import FIELD_LABELS, FIELDS, PROBLEMS, REQUIRED
from app.projects.dependencies import CurrentProject
from app.records.service import get_record

router = APIRouter(include_in_schema=False)

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
Editor = Annotated[WebPrincipal, Depends(require(Perm.manage_records))]
SHOWN_REFUSALS = 2000


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _t_of(request: Request):  # noqa: ANN202
    return translations(request_language(request)).gettext


def _page(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    principal = getattr(request.state, "user", None)
    return render(
        request,
        template,
        {
            "fields": FIELDS,
            "required": REQUIRED,
            "field_labels": FIELD_LABELS,
            "problem_texts": PROBLEMS,
            "can_edit": bool(principal) and allowed(principal.role, Perm.manage_records),
            **context,
        },
        status_code=status_code,
    )


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


@router.get("/frontpage")
def frontpage_home(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer, q: str = ""):
    """How many records have their front page; find a record; the records still without one; the last imports."""
    found = service.search_records(session, project.id, typed_text(q[:64]))
    return _page(
        request,
        "frontpage/home.html",
        {"project": project, "cov": service.coverage(session, project.id), "q": q, "found": found},
    )


@router.get("/frontpage/import")
def import_form(request: Request, project: CurrentProject, principal: Editor):
    """Upload the hospital's front-page export (CSV or XLSX)."""
    return _page(request, "frontpage/upload.html", {"project": project, "error": None})


@router.post("/frontpage/import", dependencies=[CsrfChecked])
def import_upload(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Editor,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
):
    """Keep the file until its columns are mapped and its rows checked."""
    data = file.file.read(service.MAX_UPLOAD_BYTES + 1)
    try:
        upload = service.stage_upload(
            session, project, filename=file.filename or "upload", data=data, user_id=principal.user_id
        )
    except (BadFile, FileTooLarge) as exc:
        return _page(
            request,
            "frontpage/upload.html",
            {"project": project, "error": file_refusal(_t_of(request), exc), "error_code": exc.code},
            status_code=exc.status,
        )
    return redirect(f"/frontpage/import/{upload.id}")


def _mapping_page(request: Request, session, project, upload, mapping: dict, *, checked=None, error=None):  # noqa: ANN001, ANN202
    preview = checked or service.preview(upload, mapping, local_date(utcnow(), project.timezone))
    return _page(
        request,
        "frontpage/mapping.html",
        {
            "project": project,
            "upload": upload,
            "mapping": preview.mapping,
            "preview": preview,
            "refused": preview.refused[:SHOWN_REFUSALS],
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("/frontpage/import/{upload_id}")
def import_mapping(upload_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Editor):
    """Map the file's columns to the fields (the saved mapping, else a guess) and see what the check finds."""
    upload = service.get_upload(session, project.id, upload_id)
    headers = service.preview(upload, {}, local_date(utcnow(), project.timezone)).headers
    return _mapping_page(request, session, project, upload, service.suggested_mapping(session, project.id, headers))


@router.post("/frontpage/import/{upload_id}", dependencies=[CsrfChecked])
async def import_run(upload_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Editor):
    """Check again with this mapping, or import: every row or none, the refused rows listed with their reasons."""
    form = await request.form()
    mapping = {f: str(form.get(f"map_{f}", "")) for f in FIELDS}
    action = str(form.get("action", "check"))
    upload = service.get_upload(session, project.id, upload_id)
    today = local_date(utcnow(), project.timezone)
    if action != "import":
        return _mapping_page(request, session, project, upload, mapping)
    try:
        result = service.import_upload(
            session,
            project,
            upload,
            mapping,
            user_id=principal.user_id,
            actor=_actor(request, principal),
            today=today,
            now=utcnow(),
        )
    except ImportRefused as exc:
        session.rollback()
        service.save_mapping(session, project.id, mapping, user_id=principal.user_id, now=utcnow())
        return _mapping_page(
            request,
            session,
            project,
            upload,
            mapping,
            checked=service.preview(upload, mapping, today),
            error=file_refusal(_t_of(request), exc),
        )
    return redirect(
        "/frontpage",
        flash=_t(request, "Imported %(rows)s rows: %(created)s new records, %(updated)s updated.")
        % {"rows": result.rows, "created": result.created, "updated": result.updated},
    )


@router.get("/frontpage/records/{record_id}")
def record_form(record_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """A record's front-page fields, editable by the vendor's manager."""
    record = get_record(session, project.id, record_id)
    fp = service.front_page_of(session, record.id)
    return _page(
        request,
        "frontpage/record.html",
        {"project": project, "record": record, "fp": fp, "values": service.form_values(record, fp), "problems": {}}
        | _ocr(session, record),
    )


def _ocr(session, record) -> dict:  # noqa: ANN001
    """The front page's OCR reading, shown beside each field as a suggestion (never filled in by itself)."""
    view = front_page_view(session, record)
    return {"fp_view": view, "suggestions": view.suggestions}


@router.post("/frontpage/records/{record_id}", dependencies=[CsrfChecked])
def record_save(
    record_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Editor,
    name: Annotated[str, Form(max_length=200)] = "",
    discharge_date: Annotated[Typed, Form(max_length=40)] = "",
    diagnosis: Annotated[str, Form(max_length=400)] = "",
    diagnosis_code: Annotated[Typed, Form(max_length=40)] = "",
    operation: Annotated[str, Form(max_length=400)] = "",
    operation_code: Annotated[Typed, Form(max_length=40)] = "",
):
    """Enter or correct the record's front page; refused fields are shown next to their inputs."""
    record = get_record(session, project.id, record_id)
    values = {
        "name": name,
        "discharge_date": discharge_date,
        "diagnosis": diagnosis,
        "diagnosis_code": diagnosis_code,
        "operation": operation,
        "operation_code": operation_code,
    }
    checked = service.enter_front_page(
        session,
        record,
        values,
        user_id=principal.user_id,
        actor=_actor(request, principal),
        today=local_date(utcnow(), project.timezone),
        now=utcnow(),
    )
    if checked.row is None:
        problems: dict[str, list] = {}
        for p in checked.problems:
            problems.setdefault(p.field or "operation", []).append(p)
        return _page(
            request,
            "frontpage/record.html",
            {
                "project": project,
                "record": record,
                "fp": service.front_page_of(session, record.id),
                "values": {**service.form_values(record, None), **values},
                "problems": problems,
            }
            | _ocr(session, record),
            status_code=422,
        )
    return redirect(f"/frontpage/records/{record.id}", flash=_t(request, "Saved."))
