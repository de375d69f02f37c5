"""JSON routes for records: create or find, list pages, finish."""

from fastapi import APIRouter, Query, Response

from app.accounts.dependencies import CurrentStation
from app.core.clock import utcnow
from app.core.db import DbId, SessionDep
from app.inspection.api import open_tasks_public
from app.pages.schemas import PagePublic
from app.records.exceptions import RecordNotFound
from app.records.schemas import (
    CompletenessPublic,
    RecordCreate,
    RecordFinish,
    RecordOperationCreate,
    RecordOperationPublic,
    RecordPublic,
)
from app.records.service import find_record, finish_record, get_or_create_record, get_record, record_pages, renumber

router = APIRouter(prefix="/api/v1/records", tags=["records"])


def _actor(ctx: CurrentStation) -> dict:
    p = ctx.principal
    return {"actor_user_id": p.user_id, "actor_station_id": p.station_id, "actor_role": p.role}


@router.post(
    "",
    response_model=RecordPublic,
    status_code=201,
    responses={200: {"model": RecordPublic, "description": "the record existed already"}},
)
def open_record(body: RecordCreate, ctx: CurrentStation, session: SessionDep, response: Response):
    """Find the record by barcode or MRN + visit, creating it when new (201) or returning it (200)."""
    record, created = get_or_create_record(
        session, ctx.project, mrn=body.mrn, visit=body.visit, barcode=body.barcode, actor=_actor(ctx)
    )
    response.status_code = 201 if created else 200
    public = RecordPublic.model_validate(record, from_attributes=True)
    public.reshoot_tasks = open_tasks_public(session, record)  # vendor QC (issue 15)
    return public


@router.get("/lookup", response_model=RecordPublic)
def lookup_record(
    ctx: CurrentStation,
    session: SessionDep,
    barcode: str | None = Query(None, max_length=64),
    mrn: str | None = Query(None, max_length=32),
    visit: int | None = Query(None, ge=1),
):
    """Find a record by barcode, or by MRN + visit, without creating it."""
    record = find_record(session, ctx.principal.project_id, mrn=mrn, visit=visit, barcode=barcode)
    if record is None:
        raise RecordNotFound("no such record")
    return RecordPublic.model_validate(record, from_attributes=True)


@router.get("/{record_id}/pages", response_model=list[PagePublic])
def list_record_pages(record_id: DbId, ctx: CurrentStation, session: SessionDep):
    """The record's pages in page order, with each current image's verdict."""
    record = get_record(session, ctx.principal.project_id, record_id)
    return [PagePublic.model_validate(p, from_attributes=True) for p in record_pages(session, record.id)]


@router.post("/{record_id}/finish", response_model=CompletenessPublic)
def finish(record_id: DbId, body: RecordFinish, ctx: CurrentStation, session: SessionDep):
    """Declare the paper page count; the answer lists missing and extra page numbers."""
    record = get_record(session, ctx.principal.project_id, record_id)
    result = finish_record(session, record, paper_page_count=body.paper_page_count, now=utcnow(), actor=_actor(ctx))
    return CompletenessPublic(
        record_id=record.id,
        status=record.status,
        paper_page_count=result.paper_page_count,
        captured=result.captured,
        complete=result.complete,
        missing=result.missing,
        extra=result.extra,
    )


@router.post("/{record_id}/operations", response_model=RecordOperationPublic)
def record_operation(record_id: DbId, body: RecordOperationCreate, ctx: CurrentStation, session: SessionDep):
    """Delete a wrong shot or insert a missed page; the same key again returns the same answer."""
    record = get_record(session, ctx.principal.project_id, record_id)
    p = ctx.principal
    done = renumber(
        session,
        record,
        key=body.key,
        op=body.op,
        page_number=body.page_number,
        station_id=p.station_id,
        user_id=p.user_id,
        now=utcnow(),
        actor=_actor(ctx),
    )
    return RecordOperationPublic(record_id=record.id, op=done.op, page_number=done.page_number, pages=done.pages_after)
