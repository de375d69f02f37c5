"""The defects summary (defect_day, defect_day_code) against the rows themselves: recount, compare, rebuild.

app.inspection.tally keeps the summary in each writing transaction; these functions recount it from the
shots, tasks, inspection items and acceptance samples to prove that (tests, the bench) and to rebuild it
after a bulk load.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from app.acceptance.models import SampleItem
from app.inspection.models import DefectDay, DefectDayCode, InspectionItem, ReshootTask, TaskStatus
from app.inspection.tally import COUNTS, KEY_COLUMNS, Key
from app.pages.models import Page, PageImage
from app.projects.models import Project


@dataclass
class DayFigures:
    """One key's figures: the counts of defect_day and the codes of defect_day_code ((kind, code) -> n)."""

    shots: int = 0
    first_shots: int = 0
    first_pass: int = 0
    reshot: int = 0
    inspected: int = 0
    codes: dict[tuple[str, str], int] = field(default_factory=dict)

    def normal(self) -> tuple:
        """The figures without zero codes (what two equal summaries share)."""
        return (*(getattr(self, c) for c in COUNTS), {k: n for k, n in self.codes.items() if n})


class _Days:
    """Local days of naive-UTC instants, cached per minute (every zone's offset is a whole number of minutes)."""

    def __init__(self, tz: str) -> None:
        self.zone, self.cache = ZoneInfo(tz), {}

    def __call__(self, at: datetime) -> date:
        minute = at.replace(second=0, microsecond=0)
        day = self.cache.get(minute)
        if day is None:
            day = self.cache[minute] = minute.astimezone(self.zone).date()
        return day


def recount(session: Session, project: Project) -> dict[Key, DayFigures]:
    """Every key's figures counted from the project's shots, re-shoot tasks, inspection items and failed samples."""
    pid, day_of = project.id, _Days(project.timezone)
    out: dict[Key, DayFigures] = defaultdict(DayFigures)
    # The flagged shots are few: a set of their ids beats a lookup per shot.
    live = (ReshootTask.project_id == pid, ReshootTask.status != TaskStatus.cancelled)  # withdrawn flags: none
    flagged = set(session.exec(select(ReshootTask.image_id).where(*live)).all())
    shots = session.exec(
        select(
            PageImage.captured_at,
            PageImage.operator_id,
            PageImage.station_id,
            col(PageImage.supersedes_id).is_(None),
            col(PageImage.superseded_at).is_not(None),
            PageImage.qc_passed,
            PageImage.id,
        )
        .join(Page, col(Page.id) == col(PageImage.page_id))
        .where(Page.project_id == pid)
        .execution_options(yield_per=20_000)
    )
    for at, operator_id, station_id, first, superseded, passed, image_id in shots:
        f = out[(pid, day_of(at), operator_id, station_id)]
        f.shots += 1
        f.first_shots += int(bool(first))
        f.first_pass += int(bool(first and not superseded and passed and image_id not in flagged))
        f.reshot += int(bool(superseded))
    for d, operator_id, station_id, n in session.exec(
        select(InspectionItem.capture_date, InspectionItem.operator_id, InspectionItem.station_id, func.count())
        .where(InspectionItem.project_id == pid, col(InspectionItem.verdict).is_not(None))
        .group_by(InspectionItem.capture_date, InspectionItem.operator_id, InspectionItem.station_id)
    ):
        out[(pid, d, operator_id, station_id)].inspected += n
    for at, operator_id, station_id, reason, item_id in session.exec(
        select(
            PageImage.captured_at,
            ReshootTask.operator_id,
            ReshootTask.station_id,
            ReshootTask.reason,
            ReshootTask.item_id,
        )
        .join(PageImage, col(PageImage.id) == col(ReshootTask.image_id))
        .where(*live)
    ):
        f = out[(pid, day_of(at), operator_id, station_id)]
        f.codes[("flag", reason)] = f.codes.get(("flag", reason), 0) + 1
        f.inspected += int(item_id is None)  # a flag outside the queue inspected the shot too
    for at, operator_id, station_id, defects in session.exec(
        select(PageImage.captured_at, PageImage.operator_id, PageImage.station_id, SampleItem.defects)
        .join(PageImage, col(PageImage.id) == col(SampleItem.image_id))
        .join(Page, col(Page.id) == col(PageImage.page_id))
        .where(SampleItem.verdict == "fail", Page.project_id == pid)
    ):
        codes = out[(pid, day_of(at), operator_id, station_id)].codes
        for code in defects or []:
            codes[("acceptance", code)] = codes.get(("acceptance", code), 0) + 1
    return dict(out)


def stored(session: Session, project_id: int) -> dict[Key, DayFigures]:
    """The summary rows as the database holds them."""
    out: dict[Key, DayFigures] = defaultdict(DayFigures)
    for r in session.exec(select(DefectDay).where(DefectDay.project_id == project_id)):
        out[(r.project_id, r.capture_date, r.operator_id, r.station_id)] = DayFigures(*(getattr(r, c) for c in COUNTS))
    for c in session.exec(select(DefectDayCode).where(DefectDayCode.project_id == project_id)):
        out[(c.project_id, c.capture_date, c.operator_id, c.station_id)].codes[(c.kind, c.code)] = c.n
    return dict(out)


def mismatches(session: Session, project: Project) -> dict[Key, tuple[tuple, tuple]]:
    """Every key where the summary differs from a recount: key -> (stored, recounted) figures."""
    have, want = stored(session, project.id), recount(session, project)
    empty = DayFigures().normal()
    out = {}
    for key in set(have) | set(want):
        a = have[key].normal() if key in have else empty
        b = want[key].normal() if key in want else empty
        if a != b:
            out[key] = (a, b)
    return out


def rebuild(session: Session, project: Project) -> int:
    """Replace the project's summary rows with a recount (after a bulk load); returns the defect_day rows written."""
    figures = recount(session, project)
    session.execute(delete(DefectDayCode).where(col(DefectDayCode.project_id) == project.id))
    session.execute(delete(DefectDay).where(col(DefectDay.project_id) == project.id))
    days = [dict(zip(KEY_COLUMNS, k, strict=True)) | {c: getattr(f, c) for c in COUNTS} for k, f in figures.items()]
    codes = [
        dict(zip(KEY_COLUMNS, k, strict=True)) | {"kind": kind, "code": code, "n": n}
        for k, f in figures.items()
        for (kind, code), n in f.codes.items()
        if n
    ]
    if days:
        session.execute(insert(DefectDay), days)
    if codes:
        session.execute(insert(DefectDayCode), codes)
    session.flush()
    return len(days)
