"""Defects traced to their source: per operator or per station, from the shots themselves.

Every figure is attributed to the operator and station of the shot it concerns: a re-shoot to the shot it
replaced, a vendor-QC flag to the flagged image, an acceptance defect to the sampled image.
    shots          images the person or station made in the period
    first shots    of those, the first image of its page (the page's "pages")
    first pass     first shots never re-shot, never flagged, passing QC: first-pass yield = first pass / first shots
    re-shot        shots a later image replaced: re-shoot rate = re-shot / shots
    inspected      shots the vendor's QC judged in the queue, plus shots flagged outside it (a flag is an inspection)
    flags          re-shoot tasks by defect code, withdrawn ones (flagged by mistake, page deleted) not counted:
                   flag rate = flags / inspected (so never above 100 %)
    acceptance     failed sampled pages' defect codes
Days are the project's local days of capture; weeks start on Monday. The figures are read from the daily summary
per (project, day, operator, station) that app.inspection.tally keeps in each writing transaction.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.acceptance.rules import DEFECT_CODES
from app.accounts.models import Station, User
from app.inspection.models import DefectDay, DefectDayCode
from app.inspection.rules import ratio

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

    Reads the daily summary (defect_day, defect_day_code; app.inspection.tally keeps it), a few rows per
    operator and day, instead of every shot. tz: kept for the callers (the summary is dated in it already).
    only_user_id: an operator sees his own line only. Raises ValueError for an unknown dimension."""
    del tz  # the summary's days are the project's local days
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    who_day = DefectDay.operator_id if dimension == "operator" else DefectDay.station_id
    day_filter = [
        DefectDay.project_id == project_id,
        col(DefectDay.capture_date) >= first,
        col(DefectDay.capture_date) <= last,
    ]
    if only_user_id is not None:
        day_filter.append(DefectDay.operator_id == only_user_id)
    cells: dict[tuple[int, date], SourceFigures] = {}

    def cell(who: int, d: date) -> SourceFigures:
        key = (who, _monday(d))
        if key not in cells:
            cells[key] = SourceFigures(who, "")
        return cells[key]

    sums = [func.sum(getattr(DefectDay, c)) for c in ("shots", "first_shots", "first_pass", "reshot", "inspected")]
    for who, d, shots, firsts, passed, reshot, inspected in session.exec(
        select(who_day, DefectDay.capture_date, *sums).where(*day_filter).group_by(who_day, DefectDay.capture_date)
    ).all():
        c = cell(who, d)
        c.shots += shots or 0
        c.first_shots += firsts or 0
        c.first_pass += passed or 0
        c.reshot += reshot or 0
        c.inspected += inspected or 0

    who_code = DefectDayCode.operator_id if dimension == "operator" else DefectDayCode.station_id
    code_filter = [
        DefectDayCode.project_id == project_id,
        col(DefectDayCode.capture_date) >= first,
        col(DefectDayCode.capture_date) <= last,
        col(DefectDayCode.n) != 0,
    ]
    if only_user_id is not None:
        code_filter.append(DefectDayCode.operator_id == only_user_id)
    for who, d, kind, code, n in session.exec(
        select(who_code, DefectDayCode.capture_date, DefectDayCode.kind, DefectDayCode.code, func.sum(DefectDayCode.n))
        .where(*code_filter)
        .group_by(who_code, DefectDayCode.capture_date, DefectDayCode.kind, DefectDayCode.code)
    ).all():
        if n:
            counts = cell(who, d).flags if kind == "flag" else cell(who, d).acceptance
            counts[code] = counts.get(code, 0) + n

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
