"""What the inspection screens show: one inspected page with its record's counts, and the day's progress."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func
from sqlmodel import Session, col, select

from app.accounts.models import Station, User
from app.core.clock import local_date
from app.inspection.models import InspectionItem, InspectionVerdict, ReshootTask, TaskStatus
from app.pages.models import Page, PageImage
from app.projects.models import Project
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
    # A queue flag whose task was withdrawn (flagged by mistake, page deleted) is an inspection, not a flag.
    live_flag = exists().where(ReshootTask.item_id == InspectionItem.id, ReshootTask.status != TaskStatus.cancelled)
    return (
        func.count(),
        func.sum(case((col(InspectionItem.verdict).is_not(None), 1), else_=0)),
        func.sum(case((and_(col(InspectionItem.verdict) == InspectionVerdict.flagged, live_flag), 1), else_=0)),
    )


def _outside_flags(session: Session, project_id: int, first: date, last: date) -> list[tuple[date, int]]:
    """(local capture day, operator) of each flag made outside the queue and not withdrawn, of shots captured
    first..last: each is a page chosen, inspected and flagged too (the definitions of app.inspection.sources)."""
    project = session.get(Project, project_id)
    assert project is not None
    since = datetime.combine(first - timedelta(days=1), time(0), UTC)  # a day early for the zone
    rows = session.exec(
        select(PageImage.captured_at, ReshootTask.operator_id)
        .join(PageImage, col(PageImage.id) == col(ReshootTask.image_id))
        .where(
            ReshootTask.project_id == project_id,
            col(ReshootTask.item_id).is_(None),
            ReshootTask.status != TaskStatus.cancelled,
            col(PageImage.captured_at) >= since,
        )
    ).all()
    days = ((local_date(at, project.timezone), who) for at, who in rows)
    return [(d, who) for d, who in days if first <= d <= last]


def _with_outside(lines: dict[str, ProgressLine], extra: dict[str, int], label: dict[str, str]) -> list[ProgressLine]:
    for key, n in extra.items():
        old = lines.get(key) or ProgressLine(key, label.get(key, key), 0, 0, 0)
        lines[key] = ProgressLine(key, old.label, old.chosen + n, old.inspected + n, old.flagged + n)
    return list(lines.values())


def progress_by_day(session: Session, project_id: int, last: date, days: int = 14) -> list[ProgressLine]:
    """Per capture day of the last `days` days (newest first): pages chosen, inspected, flagged."""
    first = last - timedelta(days=days - 1)
    rows = session.exec(
        select(InspectionItem.capture_date, *_figures())
        .where(InspectionItem.project_id == project_id, col(InspectionItem.capture_date) >= first)
        .group_by(col(InspectionItem.capture_date))
    ).all()
    lines = {d.isoformat(): ProgressLine(d.isoformat(), d.isoformat(), n, i or 0, f or 0) for d, n, i, f in rows}
    extra: dict[str, int] = {}
    for d, _ in _outside_flags(session, project_id, first, last):
        extra[d.isoformat()] = extra.get(d.isoformat(), 0) + 1
    return sorted(_with_outside(lines, extra, {}), key=lambda line: line.key, reverse=True)


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
    ).all()
    lines = {str(uid): ProgressLine(str(uid), name, n, i or 0, f or 0) for uid, name, n, i, f in rows}
    extra: dict[str, int] = {}
    for _, who in _outside_flags(session, project_id, first, last):
        extra[str(who)] = extra.get(str(who), 0) + 1
    missing = [int(k) for k in extra if k not in lines]
    names = {str(u): n for u, n in session.exec(select(User.id, User.display_name).where(col(User.id).in_(missing)))}
    return sorted(_with_outside(lines, extra, names), key=lambda line: line.label)


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
