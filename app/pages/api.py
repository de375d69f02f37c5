"""JSON routes for page images: the ingest endpoint and image access."""

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from sqlalchemy import event

from app.accounts.dependencies import CurrentStation
from app.core.clock import utcnow
from app.core.db import DbId, DbIdQuery, SessionDep, WriteSessionDep
from app.core.errors import Unprocessable
from app.pages.exceptions import UploadTooLarge
from app.pages.processed import make_copy_later
from app.pages.schemas import PageImagePublic, PageUploadResult
from app.pages.service import PageUpload, get_page, ingest_page, page_images, read_image, reason_messages

router = APIRouter(prefix="/api/v1/pages", tags=["pages"])


def safe_filename(name: str) -> bool:
    """A plain file name: no folder separators, no '..', no control characters, at most 255 characters."""
    return (
        0 < len(name) <= 255
        and "/" not in name
        and "\\" not in name
        and ".." not in name
        and not any(ord(c) < 32 for c in name)
    )


# A capture time is believed within this window: from a month before the project started (stations set up
# and tried out early) to a day ahead of the server's clock (station clocks drift; later times are clamped).
CAPTURED_BEFORE_START = timedelta(days=30)
CAPTURED_AHEAD = timedelta(days=1)


def check_captured_at(captured_at: datetime, *, start_date, tz: str, now: datetime) -> None:  # noqa: ANN001
    """Refuse a capture time outside the project's plausible window (422 captured_at_out_of_range)."""
    earliest = datetime.combine(start_date, time.min, ZoneInfo(tz)) - CAPTURED_BEFORE_START
    if not earliest <= captured_at <= now + CAPTURED_AHEAD:
        raise Unprocessable(
            f"captured_at must lie between {earliest.date().isoformat()} and one day from now",
            code="captured_at_out_of_range",
        )


def _read_limited(upload: UploadFile, limit: int) -> bytes:
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(f"the file is larger than the limit of {limit} bytes")
    return data


@router.post("", response_model=PageUploadResult, status_code=201)
def upload_page(
    request: Request,
    response: Response,
    ctx: CurrentStation,
    session: SessionDep,
    image: Annotated[UploadFile, File(description="The page image: JPEG, PNG or TIFF")],
    page_number: Annotated[int, Form(ge=1, le=100_000)],
    idempotency_key: Annotated[str | None, Form(min_length=8, max_length=80)] = None,
    mrn: Annotated[str | None, Form(max_length=32)] = None,
    visit: Annotated[int | None, Form(ge=1, le=999)] = None,
    barcode: Annotated[str | None, Form(max_length=64)] = None,
    segment: Annotated[str | None, Form(max_length=40)] = None,
    intentionally_blank: Annotated[bool, Form()] = False,
    insert: Annotated[bool, Form(description="a missed page: pages from page_number move up one, atomically")] = False,
    reshoot: Annotated[
        bool | None, Form(description="true: re-shoot (may replace a good image); false: a new page (409 if good)")
    ] = None,
    captured_at: Annotated[datetime | None, Form()] = None,
    idempotency_key_header: Annotated[str | None, Header(alias="Idempotency-Key", max_length=80)] = None,
):
    """Upload one page image with its record and page number; answers with the QC verdict.

    201: a new image was kept. 200: the same idempotency key was seen before; the same page is returned.
    With insert=true the record's pages from page_number move up one in the same transaction that stores
    the image (a replay of the key moves nothing again; a refused upload moves nothing).
    With reshoot=false, a page whose current image passed QC is refused (409 page_has_good_image, nothing stored).
    """
    key = idempotency_key or idempotency_key_header
    if not key or len(key) < 8:
        raise Unprocessable("an idempotency key of 8-80 characters is required", code="idempotency_key_required")
    if captured_at is not None and captured_at.tzinfo is None:
        raise Unprocessable("captured_at needs a time zone, e.g. 2026-11-22T10:00:00+08:00", code="invalid")
    if captured_at is not None:
        check_captured_at(captured_at, start_date=ctx.project.start_date, tz=ctx.project.timezone, now=utcnow())
    if image.filename and not safe_filename(image.filename):
        # The name is never used for storage (files live under their hash), but a name that tries to climb out
        # of a folder is not what a camera writes: refuse it plainly rather than keep it in the records.
        raise Unprocessable("the file name must be a plain name, without folders", code="bad_filename")
    settings = request.app.state.settings
    data = _read_limited(image, settings.max_upload_bytes)
    result = ingest_page(
        session,
        principal=ctx.principal,
        project=ctx.project,
        upload=PageUpload(
            data=data,
            idempotency_key=key,
            page_number=page_number,
            mrn=mrn,
            visit=visit,
            barcode=barcode,
            segment=segment,
            intentionally_blank=intentionally_blank,
            captured_at=captured_at,
            insert=insert,
            reshoot=reshoot,
        ),
        store=request.app.state.store,
        qc_runner=request.app.state.qc.check,
        limits=request.app.state.upload_limits,
        now=utcnow(),
        source_ip=request.client.host if request.client else None,
    )
    if not result.created:
        response.status_code = 200
    elif result.image.qc_passed and settings.process_at_ingest:  # issue 16: the copy, once the upload is committed
        state, image_id = request.app.state, result.image.id

        def queue_copy(_session: object) -> None:
            state.qc.later(make_copy_later, state.engine, state.store, state.qc.process, image_id, utcnow())

        event.listen(session, "after_commit", queue_copy, once=True)
    img = result.image
    return PageUploadResult(
        page_id=result.page.id,
        image_id=img.id,
        record_id=result.record.id,
        page_number=result.page.page_number,
        sha256=img.sha256,
        verdict="pass" if img.qc_passed else "fail",
        reasons=img.qc_reasons,
        messages=reason_messages(img.qc_reasons, img.qc_metrics, ctx.project.qc_profile),
        metrics=img.qc_metrics,
        superseded_image_id=result.superseded_image_id,
        replayed=not result.created,
    )


@router.get("/{page_id}/images", response_model=list[PageImagePublic])
def list_page_images(page_id: DbId, ctx: CurrentStation, session: SessionDep):
    """Every image uploaded for the page, oldest first (superseded ones included)."""
    page = get_page(session, ctx.principal.project_id, page_id)
    return [PageImagePublic.model_validate(i, from_attributes=True) for i in page_images(session, page.id)]


@router.get(
    "/{page_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/tiff": {}}}},
)
def get_page_image(
    page_id: DbId, ctx: CurrentStation, session: WriteSessionDep, request: Request, image_id: DbIdQuery = None
):
    """The page's current image file (or an earlier one with ?image_id=); every view is audited."""
    page = get_page(session, ctx.principal.project_id, page_id)
    p = ctx.principal
    image, data = read_image(
        session,
        request.app.state.store,
        page,
        image_id=image_id,
        actor={"actor_user_id": p.user_id, "actor_station_id": p.station_id, "actor_role": p.role},
    )
    return Response(
        content=data,
        media_type=image.media_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
