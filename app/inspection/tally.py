"""Keeping the defects summary (defect_day, defect_day_code) in the transaction of each write that changes it.

Called by page ingest (a shot, and the shot it supersedes), by a flag (a re-shoot task), by an inspection
verdict and by an acceptance verdict. Every figure is counted on the key of the shot it concerns: its
project, local capture day, operator and station. Definitions: app.inspection.sources.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Table, exists
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.core.clock import local_date
from app.inspection.models import DefectDay, DefectDayCode, InspectionItem, ReshootTask, TaskStatus
from app.pages.models import PageImage

Key = tuple[int, date, int, int]  # project_id, capture_date, operator_id, station_id
KEY_COLUMNS = ("project_id", "capture_date", "operator_id", "station_id")
CODE_COLUMNS = (*KEY_COLUMNS, "kind", "code")
COUNTS = ("shots", "first_shots", "first_pass", "reshot", "inspected")


def shot_key(project_id: int, tz: str, image: PageImage) -> Key:
    """The summary key of a shot: its project, local capture day (project time zone), operator and station."""
    return (project_id, local_date(image.captured_at, tz), image.operator_id, image.station_id)


def _upsert(
    session: Session, table: Table, keys: tuple[str, ...], rows: Iterable[dict], counts: tuple[str, ...]
) -> None:
    """Add each row's counts to the summary row of its key, creating it (one statement per row, keys sorted so
    that two transactions take the rows' locks in the same order)."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for row in sorted(rows, key=lambda r: tuple(r[k] for k in keys)):
        stmt = make(table).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: table.c[c] + stmt.excluded[c] for c in counts if row.get(c)}
        )
        session.execute(stmt)


def bump(session: Session, deltas: dict[Key, dict[str, int]]) -> None:
    """Add counts (shots, first_shots, first_pass, reshot, inspected) to the defect_day rows of their keys."""
    rows = [
        dict(zip(KEY_COLUMNS, key, strict=True)) | dict.fromkeys(COUNTS, 0) | figures
        for key, figures in deltas.items()
        if any(figures.values())
    ]
    _upsert(session, DefectDay.__table__, KEY_COLUMNS, rows, COUNTS)


def bump_codes(session: Session, key: Key, kind: str, codes: dict[str, int]) -> None:
    """Add defect-code counts of one kind (flag | acceptance) to the defect_day_code rows of a key."""
    rows = [dict(zip(KEY_COLUMNS, key, strict=True)) | {"kind": kind, "code": c, "n": n} for c, n in codes.items() if n]
    _upsert(session, DefectDayCode.__table__, CODE_COLUMNS, rows, ("n",))


def _flagged(session: Session, image_id: int, but: int | None = None) -> bool:
    """Whether a re-shoot task that was not withdrawn names the image (other than the task `but`)."""
    query = exists().where(ReshootTask.image_id == image_id, ReshootTask.status != TaskStatus.cancelled)
    if but is not None:
        query = query.where(col(ReshootTask.id) != but)
    return bool(session.exec(select(query)).one())


def count_shot(session: Session, project_id: int, tz: str, image: PageImage, previous: PageImage | None) -> None:
    """A new shot (first pass when it is a page's first image and passes QC); the shot it supersedes counts as
    re-shot and leaves first pass (unless a flag took it out already)."""
    first = image.supersedes_id is None
    deltas: dict[Key, dict[str, int]] = {
        shot_key(project_id, tz, image): {
            "shots": 1,
            "first_shots": int(first),
            "first_pass": int(first and image.qc_passed and image.superseded_at is None),
        }
    }
    if previous is not None:
        was_first_pass = previous.supersedes_id is None and previous.qc_passed and not _flagged(session, previous.id)
        old = deltas.setdefault(shot_key(project_id, tz, previous), {})
        old["reshot"] = old.get("reshot", 0) + 1
        old["first_pass"] = old.get("first_pass", 0) - int(was_first_pass)
    bump(session, deltas)


def count_flag(session: Session, tz: str, task: ReshootTask, image: PageImage, *, sign: int = 1) -> None:
    """A re-shoot task on a shot: a flag of its defect code, the shot leaves first pass (its first flag), and a
    flag made outside the queue (no inspection item) counts as an inspection of the shot too.

    sign -1: the task was withdrawn (a mistaken flag, or its page deleted; its status is already cancelled):
    all of that is taken back."""
    key = shot_key(task.project_id, tz, image)
    changes = (
        image.supersedes_id is None
        and image.superseded_at is None
        and image.qc_passed
        and not _flagged(session, image.id, but=task.id)
    )
    bump(session, {key: {"first_pass": -sign * int(changes), "inspected": sign * int(task.item_id is None)}})
    bump_codes(session, key, "flag", {task.reason: sign})


def count_inspected(session: Session, item: InspectionItem) -> None:
    """An inspection verdict: one more inspected shot on the item's key (its shot's day, operator, station)."""
    bump(session, {(item.project_id, item.capture_date, item.operator_id, item.station_id): {"inspected": 1}})


def count_acceptance(
    session: Session,
    project_id: int,
    tz: str,
    image: PageImage,
    before: tuple[str | None, list[str]],
    after: tuple[str | None, list[str]],
) -> None:
    """A sampled shot's acceptance verdict changed from `before` to `after` ((verdict, defects) each): the defect
    codes of a failed verdict count, a replaced verdict's are taken back."""
    codes: dict[str, int] = {}
    for sign, (verdict, defects) in ((-1, before), (1, after)):
        if verdict == "fail":
            for code in defects or []:
                codes[code] = codes.get(code, 0) + sign
    bump_codes(session, shot_key(project_id, tz, image), "acceptance", codes)
