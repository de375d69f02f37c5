"""Billing after a real acceptance (application, draw, two-reviewer review, decision; rejection, correction by
re-shoot, second round): the billed pages are the accepted manifest's physical pages, each billed once."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from app.acceptance.applying import apply_for_acceptance, reapply
from app.acceptance.deciding import decide_lot
from app.acceptance.models import LotPage, ReviewRound, SampleItem
from app.acceptance.review import FIELD_COLUMNS, check_record, judge_item, next_work
from app.acceptance.seeding import fix_seed
from app.acceptance.service import current_round
from app.billing.models import Payable
from app.billing.service import statement, sync_payables
from app.pages.models import Page, PageImage
from app.records.service import finish_record
from tests.acceptance.helpers import T0, Shop, add_image, add_record, make_shop
from tests.billing.helpers import D, Y


def _review(session: Session, shop: Shop, lot, *, fail: bool, today: date, now: datetime) -> None:  # noqa: ANN001
    """Judge every sampled page (all failing, or all passing) and check every sampled record, as two reviewers."""
    rnd = current_round(session, lot)
    for who in [shop.reviewer, shop.reviewer2] * 1000:
        work = next_work(session, rnd, who.id, now)
        if work is None:
            break
        if work.kind == "item":
            item = session.get(SampleItem, work.id)
            judge_item(session, lot, rnd, item, verdict="fail" if fail else "pass", defects=["blurred"] if fail else [],
                       note=None, actor=shop.actor(who), today=today, now=now)  # fmt: skip
        else:
            check_record(session, lot, rnd, work.id, fields_ok=dict.fromkeys(FIELD_COLUMNS, True), paper_pages=4,
                         note=None, actor=shop.actor(who), today=today, now=now)  # fmt: skip
    session.commit()


def _accept(session: Session, shop: Shop, lot, *, fail_first: bool, day: date):  # noqa: ANN001, ANN202
    now = datetime.combine(day, T0.timetz())
    fix_seed(session, lot, f"seed-{lot.number}", actor=shop.actor(shop.reviewer), today=day, now=now)
    _review(session, shop, lot, fail=fail_first, today=day, now=now)
    return decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day, now=now)


def test_billed_pages_are_the_accepted_manifest_once_each(session: Session) -> None:
    shop = make_shop(session, code="F1")
    # Lot 1: two records of 4 pages; page 2 of the first was re-shot: 9 images, 8 physical pages.
    first = add_record(session, shop, "A0001", 4, T0, finish=False)
    page2 = session.exec(select(Page).where(Page.record_id == first.id, Page.page_number == 2)).one()
    add_image(session, shop, page2, T0 + timedelta(minutes=30))
    finish_record(session, first, paper_page_count=4, now=T0 + timedelta(minutes=31))
    add_record(session, shop, "A0002", 4, T0 + timedelta(hours=1))
    session.commit()
    lot1 = apply_for_acceptance(session, shop.project, period_end=D("2026-01-31"), actor=shop.actor(shop.manager),
                                today=D("2026-02-02"), now=T0 + timedelta(days=28))  # fmt: skip
    session.commit()
    assert _accept(session, shop, lot1, fail_first=False, day=D("2026-02-05")).decision == "accepted"
    session.commit()

    # Lot 2: rejected in round 1, a page re-shot during the correction, accepted in round 2.
    later = T0 + timedelta(days=35)
    second = add_record(session, shop, "B0001", 4, later)
    session.commit()
    lot2 = apply_for_acceptance(session, shop.project, period_end=D("2026-02-28"), actor=shop.actor(shop.manager),
                                today=D("2026-03-02"), now=later + timedelta(days=20))  # fmt: skip
    session.commit()
    assert _accept(session, shop, lot2, fail_first=True, day=D("2026-03-03")).decision == "rejected"
    session.commit()
    page3 = session.exec(select(Page).where(Page.record_id == second.id, Page.page_number == 3)).one()
    add_image(session, shop, page3, later + timedelta(days=30))
    reapply(session, lot2, shop.project, actor=shop.actor(shop.manager), today=D("2026-03-06"),
            now=later + timedelta(days=30, hours=1))  # fmt: skip
    session.commit()
    assert _accept(session, shop, lot2, fail_first=False, day=D("2026-03-09")).decision == "accepted"
    session.commit()

    p1, p2 = sync_payables(session, shop.project, today=D("2026-03-10"))
    session.commit()
    assert (p1.accepted_on, p1.pages, p1.amount) == (D("2026-02-05"), 8, Y("0.62"))  # 8 × 0.077 = 0.616
    assert (p2.accepted_on, p2.pages, p2.amount) == (D("2026-03-09"), 4, Y("0.31"))  # 4 × 0.077 = 0.308
    # 8 + 4 physical pages were billed; 11 + 5 images were shot; lot 2's rejected round is not billed again.
    live_pages = session.exec(select(func.count()).select_from(Page).where(col(Page.deleted_at).is_(None))).one()
    images = session.exec(select(func.count()).select_from(PageImage)).one()
    manifests = session.exec(select(func.count()).select_from(LotPage)).one()
    assert (live_pages, images, manifests) == (12, 14, 16)
    assert sum(p.pages for p in session.exec(select(Payable)).all()) == live_pages
    # The billed manifest rows are the pages' current images, and no page is in two billed manifests.
    billed_rows = session.exec(
        select(LotPage.page_id, LotPage.image_id)
        .join(ReviewRound, col(ReviewRound.id) == col(LotPage.round_id))
        .where(col(ReviewRound.decision) == "accepted")
    ).all()
    assert len(billed_rows) == len({page for page, _ in billed_rows}) == 12
    current = dict(session.exec(select(Page.id, Page.current_image_id)).all())
    assert all(current[page] == image for page, image in billed_rows)
    st = statement(session, shop.project, D("2026-03-01"), as_of=D("2026-03-10"), today=D("2026-03-10"))
    assert [x.lot_number for x in st.lines] == [2] and st.billed_before == Y("0.62")
    assert sync_payables(session, shop.project, today=D("2026-06-01")) == []
