"""What the acceptance screens and the report show, gathered in one place so that routes stay thin."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.acceptance.deciding import Figures, Progress, figures, operating_table, progress
from app.acceptance.models import Lot, LotPage, LotStatus, RecordFieldCheck, ReviewRound, SampleItem
from app.acceptance.review import FIELD_COLUMNS, get_check
from app.acceptance.rules import DEFECT_CODES, THIRD_NAMES
from app.acceptance.service import accepted_since, effective_status, rounds_of
from app.acceptance.stats import clopper_pearson
from app.accounts.models import User
from app.pages.models import Page
from app.records.models import Record


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Display names of users by id."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()}


@dataclass
class LotRow:
    """A lot as the list shows it."""

    lot: Lot
    status: str
    accepted_on: date | None
    overdue_correction: bool


def lot_rows(lots: list[Lot], today: date) -> list[LotRow]:
    """Lots with their status as of today."""
    return [
        LotRow(
            lot=lot,
            status=effective_status(lot, today),
            accepted_on=accepted_since(lot, today),
            overdue_correction=bool(
                lot.status == LotStatus.correcting and lot.correction_deadline and today > lot.correction_deadline
            ),
        )
        for lot in lots
    ]


@dataclass
class PageRef:
    """A page of a record as a reviewer or the vendor sees it named."""

    item_id: int | None
    page_id: int
    image_id: int
    record_id: int
    mrn: str
    visit: int
    page_number: int
    segment: str | None
    third: int
    position: int
    verdict: str | None = None
    defects: list[str] = field(default_factory=list)
    note: str | None = None
    reviewer: str | None = None


def sample_rows(session: Session, rnd: ReviewRound, *, only_failed: bool = False) -> list[PageRef]:
    """The round's sampled pages with their record and verdict, in capture order."""
    query = (
        select(SampleItem, Page.page_number, Page.segment, Record.mrn, Record.visit)
        .join(Page, col(Page.id) == col(SampleItem.page_id))
        .join(Record, col(Record.id) == col(SampleItem.record_id))
        .where(SampleItem.round_id == rnd.id)
        .order_by(SampleItem.position)
    )
    if only_failed:
        query = query.where(SampleItem.verdict == "fail")
    rows = session.exec(query).all()
    names = user_names(session, {item.reviewed_by for item, *_ in rows})
    return [
        PageRef(
            item_id=item.id,
            page_id=item.page_id,
            image_id=item.image_id,
            record_id=item.record_id,
            mrn=mrn,
            visit=visit,
            page_number=number,
            segment=segment,
            third=item.third,
            position=item.position,
            verdict=item.verdict,
            defects=list(item.defects or []),
            note=item.note,
            reviewer=names.get(item.reviewed_by) if item.reviewed_by else None,
        )
        for item, number, segment, mrn, visit in rows
    ]


@dataclass
class CheckRow:
    """A sampled record's check: which front-page fields were wrong and its page count against the paper."""

    record_id: int
    mrn: str
    visit: int
    wrong: list[str]
    paper_pages: int
    captured_pages: int
    note: str | None
    reviewer: str | None


def check_rows(session: Session, rnd: ReviewRound, *, only_findings: bool = False) -> list[CheckRow]:
    """The round's record checks (optionally only those that found something)."""
    rows = session.exec(
        select(RecordFieldCheck, Record.mrn, Record.visit)
        .join(Record, col(Record.id) == col(RecordFieldCheck.record_id))
        .where(RecordFieldCheck.round_id == rnd.id)
        .order_by(Record.mrn, Record.visit)
    ).all()
    names = user_names(session, {c.reviewer_id for c, *_ in rows})
    out = []
    for check, mrn, visit in rows:
        wrong = [name.removesuffix("_ok") for name in FIELD_COLUMNS if not getattr(check, name)]
        if only_findings and not wrong and check.paper_pages == check.captured_pages:
            continue
        out.append(
            CheckRow(
                record_id=check.record_id,
                mrn=mrn,
                visit=visit,
                wrong=wrong,
                paper_pages=check.paper_pages,
                captured_pages=check.captured_pages,
                note=check.note,
                reviewer=names.get(check.reviewer_id),
            )
        )
    return out


@dataclass
class RoundView:
    """A round with its progress and (when complete) its figures."""

    round: ReviewRound
    progress: Progress
    figures: Figures | None
    oc: list[tuple[float, float]]
    names: dict[int, str]


def round_views(session: Session, lot: Lot) -> list[RoundView]:
    """Every round of a lot, newest first, with what the lot page shows of it."""
    rounds = rounds_of(session, lot)
    ids = {u for r in rounds for u in (r.applied_by, r.seed_fixed_by, r.decided_by, *r.reviewers)}
    names = user_names(session, ids)
    return [
        RoundView(
            round=r, progress=progress(session, r), figures=figures(session, r), oc=operating_table(r), names=names
        )
        for r in reversed(rounds)
    ]


@dataclass
class ItemScreen:
    """Everything the review screen shows about one sampled page."""

    item: SampleItem
    page: PageRef
    record: Record
    record_pages: int  # pages of the record in the manifest
    neighbours: list[tuple[str, int, int, int]]  # (which, page_id, image_id, page_number)
    sampled_in_record: int
    check_done: bool
    index: int  # 1-based place of the item in the sample
    total: int


def item_screen(session: Session, rnd: ReviewRound, item: SampleItem) -> ItemScreen:
    """The sampled page, its record, its neighbours in the record and where it stands in the sample."""
    page = session.get(Page, item.page_id)
    record = session.get(Record, item.record_id)
    assert page is not None and record is not None
    record_rows = session.exec(
        select(LotPage.page_id, LotPage.image_id, Page.page_number)
        .join(Page, col(Page.id) == col(LotPage.page_id))
        .where(LotPage.round_id == rnd.id, LotPage.record_id == record.id)
        .order_by(Page.page_number)
    ).all()
    numbers = [n for _, _, n in record_rows]
    at = numbers.index(page.page_number) if page.page_number in numbers else -1
    neighbours = []
    if at > 0:
        neighbours.append(("previous", *record_rows[at - 1]))
    if 0 <= at < len(record_rows) - 1:
        neighbours.append(("next", *record_rows[at + 1]))
    index = session.exec(
        select(func.count())
        .select_from(SampleItem)
        .where(SampleItem.round_id == rnd.id, SampleItem.position <= item.position)
    ).one()
    total = session.exec(select(func.count()).select_from(SampleItem).where(SampleItem.round_id == rnd.id)).one()
    sampled_in_record = session.exec(
        select(func.count())
        .select_from(SampleItem)
        .where(SampleItem.round_id == rnd.id, SampleItem.record_id == record.id)
    ).one()
    ref = PageRef(
        item_id=item.id,
        page_id=page.id,
        image_id=item.image_id,
        record_id=record.id,
        mrn=record.mrn,
        visit=record.visit,
        page_number=page.page_number,
        segment=page.segment,
        third=item.third,
        position=item.position,
        verdict=item.verdict,
        defects=list(item.defects or []),
        note=item.note,
    )
    return ItemScreen(
        item=item,
        page=ref,
        record=record,
        record_pages=len(record_rows),
        neighbours=neighbours,
        sampled_in_record=sampled_in_record,
        check_done=get_check(session, rnd, record.id) is not None,
        index=index,
        total=total,
    )


@dataclass
class RecordScreen:
    """A sampled record's check screen: its front page and the facts on file."""

    record: Record
    front_page: tuple[int, int] | None  # (page_id, image_id) of page 1 in the manifest
    captured_pages: int
    check: RecordFieldCheck | None
    sampled_pages: list[PageRef]


def record_screen(session: Session, rnd: ReviewRound, record_id: int) -> RecordScreen:
    """What the reviewer needs to check a sampled record against its paper."""
    record = session.get(Record, record_id)
    assert record is not None
    rows = session.exec(
        select(LotPage.page_id, LotPage.image_id, Page.page_number)
        .join(Page, col(Page.id) == col(LotPage.page_id))
        .where(LotPage.round_id == rnd.id, LotPage.record_id == record_id)
        .order_by(Page.page_number)
    ).all()
    front = (rows[0][0], rows[0][1]) if rows else None
    sampled = [p for p in sample_rows(session, rnd) if p.record_id == record_id]
    return RecordScreen(
        record=record,
        front_page=front,
        captured_pages=len(rows),
        check=get_check(session, rnd, record_id),
        sampled_pages=sampled,
    )


@dataclass
class Report:
    """The acceptance report of one round."""

    lot: Lot
    round: ReviewRound
    status: str
    progress: Progress
    figures: Figures | None
    interval: tuple[float, float] | None
    oc: list[tuple[float, float]]
    per_third: list[tuple[str, int, int, int]]  # (third, pages in it, sampled, failed)
    defects: list[tuple[str, list[PageRef]]]  # (code, pages with that defect)
    samples: list[PageRef]
    checks: list[CheckRow]
    names: dict[int, str]


def report(session: Session, lot: Lot, rnd: ReviewRound, today: date) -> Report:
    """Everything the printable report of a round shows."""
    samples = sample_rows(session, rnd)
    sizes = (rnd.third_b1, rnd.third_b2 - rnd.third_b1, rnd.page_count - rnd.third_b2)
    per_third = [
        (
            THIRD_NAMES[t],
            sizes[t],
            sum(1 for s in samples if s.third == t),
            sum(1 for s in samples if s.third == t and s.verdict == "fail"),
        )
        for t in range(3)
    ]
    defects = [(code, [s for s in samples if code in s.defects]) for code in DEFECT_CODES]
    done = progress(session, rnd)
    interval = None
    if rnd.interval_low is not None and rnd.interval_high is not None:
        interval = (rnd.interval_low, rnd.interval_high)
    elif done.judged:
        ci = clopper_pearson(done.failed, done.judged)
        interval = (ci.low, ci.high)
    ids = {rnd.applied_by, rnd.seed_fixed_by, rnd.decided_by, *rnd.reviewers}
    return Report(
        lot=lot,
        round=rnd,
        status=effective_status(lot, today),
        progress=done,
        figures=figures(session, rnd),
        interval=interval,
        oc=operating_table(rnd),
        per_third=per_third,
        defects=[(code, pages) for code, pages in defects if pages],
        samples=samples,
        checks=check_rows(session, rnd),
        names=user_names(session, ids),
    )
