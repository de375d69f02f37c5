"""JSON routes for stations: a record's open re-shoot tasks and the flagged image's thumbnail."""

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from app.accounts.dependencies import CurrentStation
from app.audit.service import record_event
from app.core.db import DbId, SessionDep, WriteSessionDep
from app.inspection.labels import REASON_WORDS
from app.inspection.schemas import ReshootTaskPublic
from app.inspection.tasks import TaskView, get_task, record_tasks
from app.pages.exceptions import ImageMissing
from app.pages.models import PageImage
from app.records.models import Record
from app.records.service import get_record
from app.records.thumbnails import make_thumbnail

router = APIRouter(prefix="/api/v1", tags=["re-shoot tasks"])


def task_public(view: TaskView) -> ReshootTaskPublic:
    """The public shape of a task: its page's number today, the reason in Chinese and English."""
    t = view.task
    zh, en = REASON_WORDS.get(t.reason, (t.reason, t.reason))
    return ReshootTaskPublic(
        id=t.id,
        record_id=t.record_id,
        page_id=t.page_id,
        page_number=view.page_number,
        reason=t.reason,
        reason_zh=zh,
        reason_en=en,
        note=t.note,
        flagged_by=view.flagged_by_name,
        flagged_at=t.flagged_at,
        status=t.status,
        image_id=t.image_id,
        thumbnail_url=f"/api/v1/reshoot-tasks/{t.id}/thumb.jpg",
    )


def open_tasks_public(session: Session, record: Record) -> list[ReshootTaskPublic]:
    """The record's open re-shoot tasks as a station receives them (also in the answer to opening a record)."""
    return [task_public(v) for v in record_tasks(session, record)]


@router.get("/records/{record_id}/reshoot-tasks", response_model=list[ReshootTaskPublic])
def open_reshoot_tasks(record_id: DbId, ctx: CurrentStation, session: SessionDep):
    """The record's open re-shoot tasks in page order (another project's record is 404)."""
    record = get_record(session, ctx.principal.project_id, record_id)
    return open_tasks_public(session, record)


@router.get(
    "/reshoot-tasks/{task_id}/thumb.jpg", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}}
)
def reshoot_task_thumbnail(task_id: DbId, ctx: CurrentStation, session: WriteSessionDep, request: Request):
    """A small JPEG of the flagged image, for the station's task list; every view is audited."""
    task = get_task(session, ctx.principal.project_id, task_id)
    image = session.get(PageImage, task.image_id)
    store = request.app.state.store
    if image is None or not store.exists(image.sha256):
        raise ImageMissing(f"the file of image {task.image_id} is missing from the store")
    p = ctx.principal
    record_event(
        session,
        "image.thumbnail",
        project_id=p.project_id,
        object_type="page_image",
        object_id=image.id,
        actor_user_id=p.user_id,
        actor_station_id=p.station_id,
        actor_role=p.role,
    )
    return Response(make_thumbnail(store.get(image.sha256)), media_type="image/jpeg")
