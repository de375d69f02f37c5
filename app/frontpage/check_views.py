"""HTML routes of the front-page check (issue 18): reading progress, the records whose page differs, one record's
fields beside the image crops where the page shows them."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.audit.service import record_event
from app.core.clock import utcnow
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError, Unprocessable
from app.core.i18n import gettext_for
from app.core.templates import redirect, render, request_language
from app.frontpage import checks
from app.frontpage.confirming import MAX_NOTE, confirm_misread
from app.frontpage.exceptions import ReadingNotFound
from app.frontpage.models import FrontPageReading
from app.frontpage.ocr import crops_jpeg, status
from app.frontpage.reading import front_page_view, progress
from app.frontpage.rules import FIELD_LABELS
from app.frontpage.views import _actor
from app.pages.models import PageImage
from app.projects.dependencies import CurrentProject
from app.projects.models import Project
from app.records.models import Record
from app.records.service import get_record

router = APIRouter(include_in_schema=False)

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
ImageViewer = Annotated[WebPrincipal, Depends(require(Perm.view_images))]
Confirmer = Annotated[WebPrincipal, Depends(require(Perm.confirm_front_page))]
CROP_FIELDS = ("mrn", "visit", "name", "discharge_date", "diagnosis", "diagnosis_code", "operation", "operation_code")


def ocr_state(request: Request) -> str:
    """on | off | missing, from the settings and the installed packages."""
    return status(request.app.state.settings.ocr)


@router.get("/frontpage/check")
def check_home(request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """Reading progress and every record whose front page differs from it or could not be read."""
    flagged = checks.flagged(session, project.id)
    return render(
        request,
        "frontpage/check.html",
        {
            "project": project,
            "ocr": ocr_state(request),
            "progress": progress(session, project.id),
            "flagged": flagged,
            "differing": checks.differing(session, flagged),
            "unreadable": checks.unreadable_count(session, project.id),  # as the list below counts
        },
    )


@router.get("/frontpage/check/records/{record_id}")
def check_record(record_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: Viewer):
    """One record's fields: as recorded, as read on its front page, and where on the page."""
    return _screen(request, session, project, principal, get_record(session, project.id, record_id))


def _screen(
    request: Request,
    session: Session,
    project: Project,
    principal: WebPrincipal,
    record: Record,
    refusal: AppError | None = None,
    note: str = "",
) -> Response:
    """The record's check screen; after a refused confirmation with the refusal's code and explanation (in the
    reader's language, with the refusal's status) and the note as it was typed."""
    return render(
        request,
        "frontpage/check_record.html",
        {
            "project": project,
            "record": record,
            "ocr": ocr_state(request),
            "view": front_page_view(session, record),
            "can_see_images": allowed(principal.role, Perm.view_images),
            "can_confirm": allowed(principal.role, Perm.confirm_front_page),
            "max_note": MAX_NOTE,
            "refusal": refusal,
            "note": note,
        },
        status_code=refusal.status if refusal else 200,
    )


MAX_ID = 2_147_483_647  # app.core.db.DbId


@router.post("/frontpage/check/records/{record_id}/confirm", dependencies=[CsrfChecked])
def confirm_record_check(
    record_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: Confirmer,
    reading_id: Annotated[str, Form()] = "",
    field: Annotated[str, Form()] = "",
    fields: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    note: Annotated[str, Form()] = "",
    seen: Annotated[list[str], Form()] = [],  # noqa: B006
):
    """Confirm that differing fields of the record's current reading were misread: `field` (one field's button),
    else `fields` (every difference the screen showed), else every difference now. The page is the record's and
    its values are right. `seen`: "field:fingerprint" of each difference the screen showed (a value changed since,
    or not shown: 409 frontpage_values_changed). A refusal (stable codes, confirming.py; a form no screen sends:
    `invalid`) re-shows the screen with its explanation and the note kept, never a JSON page; nothing is stored."""
    record = get_record(session, project.id, record_id)
    try:
        if not re.fullmatch(r"[0-9]{1,40}", reading_id) or len(field) > 20 or any(len(f) > 20 for f in fields):
            raise Unprocessable("reading_id must be a number and a field name at most 20 characters")
        if int(reading_id) > MAX_ID:  # ASCII digits only, at most 40: int() cannot refuse them
            raise ReadingNotFound(f"no reading {reading_id[:20]}")
        made = confirm_misread(
            session,
            record,
            int(reading_id),
            [field] if field else fields,
            note=note,
            seen=dict(pair.partition(":")[::2] for pair in seen if len(pair) <= 60),
            user_id=principal.user_id,
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except AppError as refusal:
        session.rollback()
        return _screen(request, session, project, principal, record, refusal, note[: MAX_NOTE * 2])
    gettext = gettext_for(request_language(request))
    labels = "、".join(gettext(FIELD_LABELS[c.field]) for c in made)
    done = gettext("Confirmed as misread: %(fields)s. The difference is closed.") % {"fields": labels}
    return redirect(f"/frontpage/check/records/{record.id}", flash=done)


@router.get("/frontpage/check/readings/{reading_id}/crop.jpg", response_class=Response)
def reading_crop(
    reading_id: int,
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: ImageViewer,
    field: Annotated[str, Query(max_length=20)] = "mrn",
):
    """The part of the front page where a field was read; every view is audited. The crops of all the reading's
    fields are made together in a worker process (one decode of the page) and kept a while in the app's CropCache,
    keyed by the image's digest, skew and boxes."""
    reading = session.get(FrontPageReading, reading_id)
    if reading is None or reading.project_id != project.id or field not in CROP_FIELDS:
        raise ReadingNotFound(f"no reading {reading_id} with a field {field!r} in this project")
    fields = reading.fields or {}
    boxes = {f: tuple(fields[f]["box"]) for f in CROP_FIELDS if (fields.get(f) or {}).get("box")}
    image = session.get(PageImage, reading.image_id)
    store = request.app.state.store
    if field not in boxes or image is None or not store.exists(image.sha256):
        raise ReadingNotFound(f"reading {reading_id} has no image area for {field}")
    skew = (image.qc_metrics or {}).get("skew_deg")
    turn = int(fields[field].get("turn") or 0)  # 180: read upside down (ocr.read_page)
    key = (image.sha256, skew, turn, tuple(sorted(boxes.items())))
    crops = request.app.state.crops.get(
        key, lambda: request.app.state.qc.run(crops_jpeg, store.get(image.sha256), skew, boxes, 0.6, turn)
    )
    data = crops.get(field)
    if not data:
        raise ReadingNotFound(f"reading {reading_id}: the image can no longer be read")
    record_event(
        session,
        "frontpage.crop",
        project_id=project.id,
        object_type="page_image",
        object_id=image.id,
        detail={"field": field},
        **_actor(request, principal),
    )
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})
