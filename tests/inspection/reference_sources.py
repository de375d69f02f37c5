"""The defects-by-source figures as they were computed before the summary (issue 15): from every shot of the
period. Kept as the reference the summary-based `app.inspection.sources.sources_report` must equal."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal_column
from sqlmodel import Session, col, select

from app.acceptance.models import SampleItem
from app.accounts.models import User
from app.inspection.models import InspectionItem, ReshootTask, TaskStatus
from app.inspection.sources import DIMENSIONS, SourceFigures, SourcesReport, _names
from app.pages.models import PageImage


def _utc_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _local_day(session: Session, column, tz: str):  # noqa: ANN001, ANN202  (a SQL expression)
    """The local calendar day of a naive-UTC timestamp column (the zone's fixed offset; China has no DST)."""
    hours = int(ZoneInfo(tz).utcoffset(datetime(2026, 1, 1)).total_seconds() // 3600)
    if session.get_bind().dialect.name == "postgresql":
        return func.date(column + literal_column(f"interval '{hours} hours'"))
    return func.date(column, f"{hours:+d} hours")


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def reference_report(
    session: Session,
    project_id: int,
    tz: str,
    first: date,
    last: date,
    *,
    dimension: str = "operator",
    only_user_id: int | None = None,
) -> SourcesReport:
    """Figures per operator (or station) of shots captured first..last, the weekly trend, and the total.

    only_user_id: an operator sees his own line only. Raises ValueError for an unknown dimension."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    start, end = _utc_bounds(first, last, tz)
    who_img = PageImage.operator_id if dimension == "operator" else PageImage.station_id
    day = _local_day(session, PageImage.captured_at, tz)
    flagged = exists().where(ReshootTask.image_id == PageImage.id, ReshootTask.status != TaskStatus.cancelled)
    # The project's shots through its operators: the (operator_id, captured_at) index reads only the period.
    img_filter = [
        col(PageImage.operator_id).in_(select(User.id).where(User.project_id == project_id)),
        col(PageImage.captured_at) >= start,
        col(PageImage.captured_at) < end,
    ]
    if only_user_id is not None:
        img_filter.append(PageImage.operator_id == only_user_id)
    first_shot = col(PageImage.supersedes_id).is_(None)
    rows = session.exec(
        select(
            who_img,
            day,
            func.count(),
            func.sum(case((first_shot, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(first_shot, col(PageImage.superseded_at).is_(None), col(PageImage.qc_passed), ~flagged),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((col(PageImage.superseded_at).is_not(None), 1), else_=0)),
        )
        .where(*img_filter)
        .group_by(who_img, day)
    ).all()
    cells: dict[tuple[int, date], SourceFigures] = {}

    def cell(who: int, d: object) -> SourceFigures:
        key = (who, _monday(_as_date(d)))
        if key not in cells:
            cells[key] = SourceFigures(who, "")
        return cells[key]

    for who, d, shots, firsts, passed, reshot in rows:
        c = cell(who, d)
        c.shots += shots
        c.first_shots += firsts or 0
        c.first_pass += passed or 0
        c.reshot += reshot or 0

    who_item = InspectionItem.operator_id if dimension == "operator" else InspectionItem.station_id
    item_filter = [
        InspectionItem.project_id == project_id,
        col(InspectionItem.capture_date) >= first,
        col(InspectionItem.capture_date) <= last,
        col(InspectionItem.verdict).is_not(None),
    ]
    if only_user_id is not None:
        item_filter.append(InspectionItem.operator_id == only_user_id)
    for who, d, n in session.exec(
        select(who_item, InspectionItem.capture_date, func.count())
        .where(*item_filter)
        .group_by(who_item, col(InspectionItem.capture_date))
    ).all():
        cell(who, d).inspected += n

    who_task = ReshootTask.operator_id if dimension == "operator" else ReshootTask.station_id
    task_day = _local_day(session, PageImage.captured_at, tz)
    task_filter = [
        ReshootTask.project_id == project_id,
        ReshootTask.status != TaskStatus.cancelled,  # a withdrawn flag counts for nothing
        col(PageImage.captured_at) >= start,
        col(PageImage.captured_at) < end,
    ]
    if only_user_id is not None:
        task_filter.append(ReshootTask.operator_id == only_user_id)
    outside = case((col(ReshootTask.item_id).is_(None), 1), else_=0)
    for who, d, reason, n, outside_queue in session.exec(
        select(who_task, task_day, ReshootTask.reason, func.count(), func.sum(outside))
        .join(PageImage, col(PageImage.id) == col(ReshootTask.image_id))
        .where(*task_filter)
        .group_by(who_task, task_day, col(ReshootTask.reason))
    ).all():
        c = cell(who, d)
        c.flags[reason] = c.flags.get(reason, 0) + n
        c.inspected += outside_queue or 0  # a flag outside the queue inspected the shot too

    sample_filter = [*img_filter, SampleItem.verdict == "fail"]
    for who, captured_at, defects in session.exec(
        select(who_img, PageImage.captured_at, SampleItem.defects)
        .join(PageImage, col(PageImage.id) == col(SampleItem.image_id))
        .where(*sample_filter)
    ).all():
        acc = cell(who, captured_at.astimezone(ZoneInfo(tz)).date()).acceptance
        for code in defects or []:
            acc[code] = acc.get(code, 0) + 1

    names = _names(session, dimension, {who for who, _ in cells})
    lines: dict[int, SourceFigures] = {}
    weeks: dict[date, SourceFigures] = {}
    for (who, monday), c in sorted(cells.items(), key=lambda kv: kv[0][1]):
        lines.setdefault(who, SourceFigures(who, names.get(who, "?"))).add(c)
        weeks.setdefault(monday, SourceFigures(monday.isoformat(), monday.isoformat())).add(c)
    total = SourceFigures("total", "")
    for line in lines.values():
        total.add(line)
    return SourcesReport(
        dimension, first, last, sorted(lines.values(), key=lambda s: s.name), list(weeks.values()), total
    )
