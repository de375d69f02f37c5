"""HTML routes of records: search, a record's pages as thumbnails, one page full size; audited image files."""

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.accounts.dependencies import require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.audit.service import record_event
from app.core.db import DbId, DbIdQuery, SessionDep, WriteSessionDep
from app.core.templates import render, request_language
from app.pages.exceptions import ImageMissing
from app.pages.processed import queue_missing_copy, shown_file
from app.pages.service import reason_messages
from app.projects.dependencies import CurrentProject
from app.records.browse import image_of_project, page_view, search_records, view_record
from app.records.segment_label import segment_of_page
from app.records.thumbnails import RenditionCache
from app.records.versions import looked_images, versions_of

router = APIRouter(include_in_schema=False)

# Rendition cache keys; "v2": made under the image policy (qc.imagefile). Renditions cached before it (white
# 16-bit pages, mirrored or unturned pages) are never served again.
THUMB_KEY, DISPLAY_KEY = "thumbv2", "displayv2"

RecordViewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
ImageViewer = Annotated[WebPrincipal, Depends(require(Perm.view_images))]


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


def renditions(request: Request) -> RenditionCache:
    """The app's thumbnail cache: inside the image store's folder, or in memory for other stores."""
    cache = getattr(request.app.state, "renditions", None)
    if cache is None:
        root = getattr(request.app.state.store, "root", None)
        cache = RenditionCache(Path(root) / ".thumbs" if root else None)
        request.app.state.renditions = cache
    return cache


Renditions = Annotated[RenditionCache, Depends(renditions)]
# Issue 16: viewers show the processed copy; the master (what QC checked, what the manifest hash covers) on demand.
Version = Annotated[Literal["processed", "master"], Query()]


@router.get("/records")
def records(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: RecordViewer,
    q: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
):
    """Search records by MRN, barcode or patient name; newest first without a query."""
    result = search_records(session, project, q, page)
    return render(request, "records/search.html", {"project": project, "result": result})


@router.get("/records/{record_id}")
def record_detail(
    record_id: int,
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: RecordViewer,
    look: Annotated[bool, Query()] = False,
):
    """A record: its facts and its pages as thumbnails with their QC verdicts and the marks of pages that need a
    look (?look=true: only those); opening it is audited."""
    record, tiles = view_record(session, project, record_id, actor=_actor(request, principal))
    looks = looked_images(session, [t.image_id for t in tiles if t.image_id])
    shown = [t for t in tiles if t.image_id in looks] if look else tiles
    lang_en = request_language(request) == "en"
    reasons = {t.page_id: [m["en" if lang_en else "zh"] for m in reason_messages(t.reasons)] for t in tiles}
    return render(
        request,
        "records/record.html",
        {
            "project": project,
            "record": record,
            "tiles": shown,
            "all_tiles": len(tiles),
            "looks": looks,
            "only_looks": look,
            "reasons": reasons,
            "good": sum(1 for t in tiles if t.qc_passed),
            "can_see_images": allowed(principal.role, Perm.view_images),
            "can_print_slip": allowed(principal.role, Perm.manage_custody)
            or allowed(principal.role, Perm.manage_records),
        },
    )


@router.get("/records/{record_id}/pages/{page_id}")
def page_detail(
    record_id: DbId,
    page_id: DbId,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: ImageViewer,
    image_id: DbIdQuery = None,
):
    """One page full size, with zoom, its verdict and every image shot for it."""
    view = page_view(session, project, record_id, page_id, image_id)
    lang_en = request_language(request) == "en"
    reasons = {
        i.id: [m["en" if lang_en else "zh"] for m in reason_messages(i.qc_reasons, i.qc_metrics, project.qc_profile)]
        for i in view.images
    }
    versions = versions_of(
        session, [view.image], request.app.state.store, lambda i: queue_missing_copy(request.app.state, i)
    )[view.image.id]
    segment = segment_of_page(session, view.record, view.page.page_number)
    return render(
        request,
        "records/page.html",
        {
            "project": project,
            "view": view,
            "reasons": reasons,
            "versions": versions,
            "segment": segment,
            "can_inspect": allowed(principal.role, Perm.flag_reshoot),
        },
    )


@router.get("/pages/{page_id}/thumb.jpg", response_class=Response)
def page_thumbnail(
    page_id: DbId,
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: ImageViewer,
    cache: Renditions,
    image_id: DbIdQuery = None,
    version: Version = "processed",
):
    """A small JPEG of the page's current image (or an earlier one), processed copy by default, metadata
    stripped; every view is audited."""
    page, image = image_of_project(session, project.id, page_id, image_id)
    store = request.app.state.store
    sha, _, shown = shown_file(session, image, version)
    if not store.exists(sha):
        raise ImageMissing(f"the file of image {image.id} is missing from the store")
    data = cache.get(sha, THUMB_KEY, lambda: _render(request, "thumb", store.get(sha)))
    record_event(
        session,
        "image.thumbnail",
        project_id=project.id,
        object_type="page_image",
        object_id=image.id,
        detail={"version": shown},
        **_actor(request, principal),
    )
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300", "X-Folio-Version": shown}
    )


@router.get("/pages/{page_id}/image", response_class=Response)
def page_image(
    page_id: DbId,
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: ImageViewer,
    cache: Renditions,
    image_id: DbIdQuery = None,
    version: Version = "processed",
):
    """The page image at full size: the processed copy by default, ?version=master for the master (TIFF as a
    JPEG rendition); every view is audited."""
    page, image = image_of_project(session, project.id, page_id, image_id)
    store = request.app.state.store
    sha, stored_type, shown = shown_file(session, image, version)
    if not store.exists(sha):
        raise ImageMissing(f"the file of image {image.id} is missing from the store")
    record_event(
        session,
        "image.view",
        project_id=project.id,
        object_type="page_image",
        object_id=image.id,
        detail={"version": shown},
        **_actor(request, principal),
    )
    # b"" from the rendition cache: a browser shows the file itself as the image policy reads it.
    data, media_type = (cache.get(sha, DISPLAY_KEY, lambda: _render(request, "display", store.get(sha))), "image/jpeg")
    if not data:
        data, media_type = store.get(sha), stored_type
    return Response(
        data, media_type=media_type, headers={"Cache-Control": "private, no-store", "X-Folio-Version": shown}
    )


def _render(request: Request, kind: str, data: bytes) -> bytes:
    """A rendition made in the worker pool (never in the web process); an image the policy refuses is missing."""
    from qc.errors import QCInputError

    try:
        return request.app.state.qc.render(kind, data)
    except QCInputError as exc:
        raise ImageMissing(f"the stored image cannot be shown ({exc.code})") from exc
