"""The review of a round: taking the next sampled page, judging it, checking a sampled record's front-page fields.

The figures and the decision are in `app.acceptance.deciding`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.acceptance.exceptions import BadVerdict, LotStateError
from app.acceptance.models import Lot, LotPage, LotStatus, RecordFieldCheck, ReviewRound, SampleItem
from app.acceptance.rules import DEFECT_CODES
from app.acceptance.seeding import check_open
from app.acceptance.service import Actor
from app.audit.service import record_event
from app.frontpage.models import FrontPage
from app.inspection.tally import count_acceptance
from app.pages.models import PageImage
from app.projects.models import Project

FIELD_COLUMNS = ("name_ok", "mrn_ok", "discharge_date_ok", "diagnosis_ok", "operation_ok")
# The fields a front page supplies (the MRN is the record's own): without front-page data they count as missing.
FRONT_PAGE_COLUMNS = ("name_ok", "discharge_date_ok", "diagnosis_ok", "operation_ok")
# A page taken by a reviewer who then went quiet is offered to others after this long.
STALE_CLAIM = timedelta(minutes=10)
NOTE_MAX = 500


@dataclass(frozen=True)
class Work:
    """What a reviewer should look at next: a sampled page, or a record's page count and front-page fields."""

    kind: str  # "item" | "record"
    id: int


def _unjudged(rnd: ReviewRound):  # noqa: ANN202
    return select(SampleItem).where(SampleItem.round_id == rnd.id, col(SampleItem.verdict).is_(None))


def _records_waiting_for_check(session: Session, rnd: ReviewRound, *, judged_by: int | None) -> list[int]:
    """Records whose sampled pages all have a verdict but whose field check is missing (in capture order)."""
    open_items = select(SampleItem.record_id).where(SampleItem.round_id == rnd.id, col(SampleItem.verdict).is_(None))
    checked = select(RecordFieldCheck.record_id).where(RecordFieldCheck.round_id == rnd.id)
    query = (
        select(SampleItem.record_id, func.min(SampleItem.position))
        .where(
            SampleItem.round_id == rnd.id,
            col(SampleItem.record_id).not_in(open_items),
            col(SampleItem.record_id).not_in(checked),
        )
        .group_by(col(SampleItem.record_id))
        .order_by(func.min(SampleItem.position))
    )
    if judged_by is not None:
        query = query.having(func.sum(case((col(SampleItem.reviewed_by) == judged_by, 1), else_=0)) > 0)
    return [record_id for record_id, _ in session.exec(query).all()]


def _claim(session: Session, item: SampleItem, user_id: int, now: datetime, *, stale_before: datetime | None) -> bool:
    """Take an item atomically: unclaimed (or stale), so two reviewers never get the same page."""
    condition = col(SampleItem.reviewer_id).is_(None)
    if stale_before is not None:
        condition = condition | (col(SampleItem.claimed_at) < stale_before)
    result = session.execute(
        update(SampleItem)
        .where(col(SampleItem.id) == item.id, col(SampleItem.verdict).is_(None), condition)
        .values(reviewer_id=user_id, claimed_at=now)
    )
    return result.rowcount == 1


def next_work(session: Session, rnd: ReviewRound, user_id: int, now: datetime) -> Work | None:
    """The reviewer's next task: their own open page, a record of theirs to check, a fresh page, anything left."""
    mine = session.exec(_unjudged(rnd).where(SampleItem.reviewer_id == user_id).order_by(SampleItem.position)).first()
    if mine is not None:
        return Work("item", mine.id)
    records = _records_waiting_for_check(session, rnd, judged_by=user_id)
    if records:
        return Work("record", records[0])
    for stale_before in (None, now - STALE_CLAIM):
        query = _unjudged(rnd).order_by(SampleItem.position).limit(20)
        if stale_before is None:
            query = query.where(col(SampleItem.reviewer_id).is_(None))
        else:
            query = query.where(col(SampleItem.claimed_at) < stale_before)
        for item in session.exec(query).all():
            if _claim(session, item, user_id, now, stale_before=stale_before):
                return Work("item", item.id)
    records = _records_waiting_for_check(session, rnd, judged_by=None)
    if records:
        return Work("record", records[0])
    return None


def get_item(session: Session, rnd: ReviewRound, item_id: int) -> SampleItem:
    """A sampled page of this round, or a 404."""
    item = session.get(SampleItem, item_id)
    if item is None or item.round_id != rnd.id:
        raise LotStateError(f"round {rnd.number} has no sampled page {item_id}", code="item_not_found", status=404)
    return item


def neighbour_items(session: Session, rnd: ReviewRound, item: SampleItem) -> tuple[int | None, int | None]:
    """The ids of the sampled pages before and after this one (in capture order)."""
    prev = session.exec(
        select(SampleItem.id)
        .where(SampleItem.round_id == rnd.id, SampleItem.position < item.position)
        .order_by(col(SampleItem.position).desc())
    ).first()
    nxt = session.exec(
        select(SampleItem.id)
        .where(SampleItem.round_id == rnd.id, SampleItem.position > item.position)
        .order_by(SampleItem.position)
    ).first()
    return prev, nxt


def lot_in_review(session: Session, lot: Lot, rnd: ReviewRound, today: date) -> None:
    """Refuse (409) unless this round of the lot is under review and its review period is open today."""
    if lot.status != LotStatus.in_review or lot.round_number != rnd.number:
        raise LotStateError(f"round {rnd.number} of lot {lot.number} is not under review")
    check_open(lot, today)


def judge_item(
    session: Session,
    lot: Lot,
    rnd: ReviewRound,
    item: SampleItem,
    *,
    verdict: str,
    defects: list[str],
    note: str | None,
    actor: Actor,
    today: date,
    now: datetime,
) -> SampleItem:
    """Record a verdict on a sampled page (a later verdict on the same page replaces the earlier one)."""
    lot_in_review(session, lot, rnd, today)
    note = (note or "").strip() or None
    if verdict not in ("pass", "fail"):
        raise BadVerdict("the verdict is pass or fail", reason="verdict_pass_or_fail")
    unknown = [d for d in defects if d not in DEFECT_CODES]
    if unknown:
        raise BadVerdict(
            f"unknown defect codes: {', '.join(unknown)}", reason="defect_unknown", codes=", ".join(unknown)
        )
    defects = sorted(set(defects), key=DEFECT_CODES.index)
    if verdict == "pass" and defects:
        raise BadVerdict("a passed page has no defects", reason="defects_on_pass")
    if verdict == "fail" and not defects:
        raise BadVerdict("name at least one defect of a failed page", reason="defect_missing")
    if "other" in defects and not note:
        raise BadVerdict("describe the defect in a note when it is 'other'", reason="note_required")
    if note and len(note) > NOTE_MAX:
        raise BadVerdict(f"the note is longer than {NOTE_MAX} characters", reason="note_too_long", max=NOTE_MAX)
    previous = item.verdict
    before = (item.verdict, list(item.defects or []))
    item.verdict, item.defects, item.note = verdict, defects, note
    item.reviewed_by, item.reviewed_at = actor.user_id, now
    if item.reviewer_id is None:
        item.reviewer_id, item.claimed_at = actor.user_id, now
    session.add(item)
    session.flush()
    project = session.get(Project, lot.project_id)
    image = session.get(PageImage, item.image_id)
    if project is not None and image is not None:  # the defects by source (app.inspection.tally)
        count_acceptance(session, project.id, project.timezone, image, before, (verdict, defects))
    record_event(
        session,
        "sample.verdict",
        project_id=lot.project_id,
        object_type="sample_item",
        object_id=item.id,
        detail={"lot": lot.number, "round": rnd.number, "verdict": verdict, "defects": defects, "previous": previous},
        **actor.audit(),
    )
    return item


def sampled_records(session: Session, rnd: ReviewRound) -> list[int]:
    """The records that have sampled pages in this round, in order of their first sampled page."""
    rows = session.exec(
        select(SampleItem.record_id, func.min(SampleItem.position))
        .where(SampleItem.round_id == rnd.id)
        .group_by(col(SampleItem.record_id))
        .order_by(func.min(SampleItem.position))
    ).all()
    return [record_id for record_id, _ in rows]


def captured_pages(session: Session, rnd: ReviewRound, record_id: int) -> int:
    """How many pages of the record the round's manifest holds."""
    return session.exec(
        select(func.count()).select_from(LotPage).where(LotPage.round_id == rnd.id, LotPage.record_id == record_id)
    ).one()


def get_check(session: Session, rnd: ReviewRound, record_id: int) -> RecordFieldCheck | None:
    """The record's field check in this round, if done."""
    return session.exec(
        select(RecordFieldCheck).where(RecordFieldCheck.round_id == rnd.id, RecordFieldCheck.record_id == record_id)
    ).first()


def exists_front_page(session: Session, record_id: int) -> bool:
    """True when the record's front-page data was entered or imported."""
    return session.exec(select(FrontPage.id).where(FrontPage.record_id == record_id)).first() is not None


def check_record(
    session: Session,
    lot: Lot,
    rnd: ReviewRound,
    record_id: int,
    *,
    fields_ok: dict[str, bool],
    paper_pages: int,
    note: str | None,
    actor: Actor,
    today: date,
    now: datetime,
) -> RecordFieldCheck:
    """Record a sampled record's page count against the paper and its five front-page fields, right or wrong.

    A record without front-page data cannot be right: its name, discharge date, diagnosis and operation count as
    missing (wrong) whatever was ticked, so that such a lot never shows 0.00 % field errors."""
    lot_in_review(session, lot, rnd, today)
    if record_id not in sampled_records(session, rnd):
        raise BadVerdict(
            f"record {record_id} has no sampled page in round {rnd.number}",
            reason="record_not_sampled",
            round=rnd.number,
        )
    if set(fields_ok) != set(FIELD_COLUMNS):
        raise BadVerdict(f"mark each of the fields {', '.join(FIELD_COLUMNS)} right or wrong", reason="fields_unmarked")
    if paper_pages < 0 or paper_pages > 100_000:
        raise BadVerdict("the paper page count is a number of pages", reason="paper_pages_range")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise BadVerdict(f"the note is longer than {NOTE_MAX} characters", reason="note_too_long", max=NOTE_MAX)
    values = {name: bool(value) for name, value in fields_ok.items()}
    if not exists_front_page(session, record_id):
        values.update(dict.fromkeys(FRONT_PAGE_COLUMNS, False))
    values.update(
        paper_pages=paper_pages,
        captured_pages=captured_pages(session, rnd, record_id),
        note=note,
        reviewer_id=actor.user_id,
        checked_at=now,
    )
    check = get_check(session, rnd, record_id)
    if check is None:
        try:
            # Two reviewers may save the same record at the same moment: the later save updates the first.
            with session.begin_nested():
                check = RecordFieldCheck(round_id=rnd.id, record_id=record_id, **values)
                session.add(check)
                session.flush()
        except IntegrityError:
            check = get_check(session, rnd, record_id)
            assert check is not None
    for name, value in values.items():
        setattr(check, name, value)
    session.add(check)
    session.flush()
    record_event(
        session,
        "sample.record_check",
        project_id=lot.project_id,
        object_type="record",
        object_id=record_id,
        detail={
            "lot": lot.number,
            "round": rnd.number,
            "wrong_fields": [n for n in FIELD_COLUMNS if not values[n]],
            "paper_pages": paper_pages,
            "captured_pages": check.captured_pages,
        },
        **actor.audit(),
    )
    return check


# --- figures and the decision ----------------------------------------------------------------
