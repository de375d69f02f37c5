"""What the inspection screens show: one inspected page with its record's counts, and the day's progress."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.accounts.models import Station, User
from app.inspection.models import InspectionItem, InspectionVerdict, ReshootTask, TaskStatus
from app.pages.models import Page, PageImage
from app.records.models import Record


@dataclass(frozen=True)
class ItemScreen:
    """An inspected page: the page, its image, its record, captured against declared paper pages, who shot it."""

    item: InspectionItem
    page: Page
    image: PageImage
    record: Record
    captured: int
    operator: str
    station: str
    open_task: ReshootTask | None
    record_open_tasks: int


def item_screen(session: Session, item: InspectionItem) -> ItemScreen:
    """Everything the inspection screen shows about an item."""
    page = session.get(Page, item.page_id)
    image = session.get(PageImage, item.image_id)
    record = session.get(Record, item.record_id)
    assert page is not None and image is not None and record is not None
    captured = session.exec(
        select(func.count()).select_from(Page).where(Page.record_id == record.id, col(Page.deleted_at).is_(None))
    ).one()
    operator = session.get(User, image.operator_id)
    station = session.get(Station, image.station_id)
    tasks = session.exec(
        select(ReshootTask).where(ReshootTask.record_id == record.id, ReshootTask.status == TaskStatus.open)
    ).all()
    return ItemScreen(
        item=item,
        page=page,
        image=image,
        record=record,
        captured=captured,
        operator=operator.display_name if operator else "?",
        station=station.name if station else "?",
        open_task=next((t for t in tasks if t.page_id == page.id), None),
        record_open_tasks=len(tasks),
    )


@dataclass(frozen=True)
class ProgressLine:
    """Inspection figures of one day or one operator: chosen, inspected, flagged, still waiting."""

    key: str
    label: str
    chosen: int
    inspected: int
    flagged: int

    @property
    def waiting(self) -> int:
        """Chosen pages without a verdict."""
        return self.chosen - self.inspected

    @property
    def flag_rate(self) -> float | None:
        """Flagged among inspected."""
        return self.flagged / self.inspected if self.inspected else None


def _figures():  # noqa: ANN202  (three aggregate columns)
    return (
        func.count(),
        func.sum(case((col(InspectionItem.verdict).is_not(None), 1), else_=0)),
        func.sum(case((col(InspectionItem.verdict) == InspectionVerdict.flagged, 1), else_=0)),
    )


def progress_by_day(session: Session, project_id: int, last: date, days: int = 14) -> list[ProgressLine]:
    """Per capture day of the last `days` days (newest first): pages chosen, inspected, flagged."""
    first = last - timedelta(days=days - 1)
    rows = session.exec(
        select(InspectionItem.capture_date, *_figures())
        .where(InspectionItem.project_id == project_id, col(InspectionItem.capture_date) >= first)
        .group_by(col(InspectionItem.capture_date))
        .order_by(col(InspectionItem.capture_date).desc())
    ).all()
    return [ProgressLine(d.isoformat(), d.isoformat(), n, i or 0, f or 0) for d, n, i, f in rows]


def progress_by_operator(session: Session, project_id: int, first: date, last: date) -> list[ProgressLine]:
    """Per operator over the capture days first..last: pages chosen, inspected, flagged (by name)."""
    rows = session.exec(
        select(User.id, User.display_name, *_figures())
        .join(User, col(User.id) == col(InspectionItem.operator_id))
        .where(
            InspectionItem.project_id == project_id,
            col(InspectionItem.capture_date) >= first,
            col(InspectionItem.capture_date) <= last,
        )
        .group_by(col(User.id), col(User.display_name))
        .order_by(col(User.display_name))
    ).all()
    return [ProgressLine(str(uid), name, n, i or 0, f or 0) for uid, name, n, i, f in rows]


def queue_counts(session: Session, project_id: int) -> dict[str, int]:
    """Pages waiting for inspection and open re-shoot tasks (for the overview)."""
    waiting = session.exec(
        select(func.count())
        .select_from(InspectionItem)
        .join(Page, col(Page.id) == col(InspectionItem.page_id))
        .where(
            InspectionItem.project_id == project_id,
            col(InspectionItem.verdict).is_(None),
            col(Page.current_image_id) == col(InspectionItem.image_id),
            col(Page.deleted_at).is_(None),
        )
    ).one()
    open_tasks = session.exec(
        select(func.count())
        .select_from(ReshootTask)
        .where(ReshootTask.project_id == project_id, ReshootTask.status == TaskStatus.open)
    ).one()
    return {"waiting": waiting, "open_tasks": open_tasks}
