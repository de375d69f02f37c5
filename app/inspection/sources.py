"""Defects traced to their source: per operator or per station, from the shots themselves.

Every figure is attributed to the operator and station of the shot it concerns: a re-shoot to the shot it
replaced, a vendor-QC flag to the flagged image, an acceptance defect to the sampled image.
    shots          images the person or station made in the period
    first shots    of those, the first image of its page (the page's "pages")
    first pass     first shots never re-shot, never flagged, passing QC: first-pass yield = first pass / first shots
    re-shot        shots a later image replaced: re-shoot rate = re-shot / shots
    inspected      shots the vendor's QC judged; flags by defect code: flag rate = flags / inspected
    acceptance     failed sampled pages' defect codes
Days are the project's local days of capture; weeks start on Monday.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal_column
from sqlmodel import Session, col, select

from app.acceptance.models import SampleItem
from app.acceptance.rules import DEFECT_CODES
from app.accounts.models import Station, User
from app.inspection.models import InspectionItem, ReshootTask
from app.inspection.rules import ratio
from app.pages.models import PageImage

DIMENSIONS = ("operator", "station")


@dataclass
class SourceFigures:
    """The figures of one operator or station (or one week)."""

    key: int | str
    name: str
    shots: int = 0
    first_shots: int = 0
    first_pass: int = 0
    reshot: int = 0
    inspected: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    acceptance: dict[str, int] = field(default_factory=dict)

    @property
    def first_pass_yield(self) -> float | None:
        """First shots that were never re-shot or flagged and pass QC, among first shots."""
        return ratio(self.first_pass, self.first_shots)

    @property
    def reshoot_rate(self) -> float | None:
        """Shots replaced by a re-shoot, among shots."""
        return ratio(self.reshot, self.shots)

    @property
    def flag_count(self) -> int:
        """Vendor-QC flags, every code."""
        return sum(self.flags.values())

    @property
    def flag_rate(self) -> float | None:
        """Flags among inspected shots."""
        return ratio(self.flag_count, self.inspected)

    def flag_rate_of(self, code: str) -> float | None:
        """Flags with one defect code among inspected shots."""
        return ratio(self.flags.get(code, 0), self.inspected)

    def add(self, other: "SourceFigures") -> None:
        """Add another line's counts to this one."""
        self.shots += other.shots
        self.first_shots += other.first_shots
        self.first_pass += other.first_pass
        self.reshot += other.reshot
        self.inspected += other.inspected
        for mine, theirs in ((self.flags, other.flags), (self.acceptance, other.acceptance)):
            for code, n in theirs.items():
                mine[code] = mine.get(code, 0) + n


@dataclass(frozen=True)
class SourcesReport:
    """Per operator or station over a period, the weekly trend of the same lines, and their total."""

    dimension: str
    first: date
    last: date
    lines: list[SourceFigures]
    weeks: list[SourceFigures]
    total: SourceFigures


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


def sources_report(
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
    flagged = exists().where(ReshootTask.image_id == PageImage.id)
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
        col(PageImage.captured_at) >= start,
        col(PageImage.captured_at) < end,
    ]
    if only_user_id is not None:
        task_filter.append(ReshootTask.operator_id == only_user_id)
    for who, d, reason, n in session.exec(
        select(who_task, task_day, ReshootTask.reason, func.count())
        .join(PageImage, col(PageImage.id) == col(ReshootTask.image_id))
        .where(*task_filter)
        .group_by(who_task, task_day, col(ReshootTask.reason))
    ).all():
        flags = cell(who, d).flags
        flags[reason] = flags.get(reason, 0) + n

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


def _names(session: Session, dimension: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if dimension == "operator":
        return dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all())
    return dict(session.exec(select(Station.id, Station.name).where(col(Station.id).in_(ids))).all())


def _cell(value: object) -> object:
    # A spreadsheet runs a cell starting with = + - @ as a formula: names are data.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def sources_csv(report: SourcesReport) -> str:
    """The report as CSV (UTF-8 with a byte-order mark): one line per operator or station, then one per week."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    codes = list(DEFECT_CODES)
    w.writerow(
        [
            "kind",
            report.dimension,
            "shots",
            "first_shots",
            "first_pass_yield_pct",
            "reshoot_rate_pct",
            "inspected",
            "flag_rate_pct",
        ]
        + [f"flags_{c}" for c in codes]
        + [f"acceptance_{c}" for c in codes]
    )
    for kind, lines in ((report.dimension, report.lines), ("week", report.weeks), ("total", [report.total])):
        for s in lines:
            w.writerow(
                [
                    kind,
                    _cell(s.name or str(s.key)),
                    s.shots,
                    s.first_shots,
                    _pct(s.first_pass_yield),
                    _pct(s.reshoot_rate),
                    s.inspected,
                    _pct(s.flag_rate),
                ]
                + [s.flags.get(c, 0) for c in codes]
                + [s.acceptance.get(c, 0) for c in codes]
            )
    return out.getvalue()
